"""Two router instances on one Redis, in front of the running system's subgraphs, behave as
one: a query persisted (APQ) through one is known to the other, an entity cached by one is a
hit for the other, and a client's rate limit is one budget across both. Replacing them one at
a time under load, as a rolling update does, loses no request."""

from __future__ import annotations

import contextlib
import hashlib
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.processes import Instance, emptied_redis, running
from tests.support.stack import ROOT, Stack

REDIS_DB = 11
SUBGRAPHS = ("products", "orders", "search", "users")
CAPACITY = 12


@pytest.fixture(scope="module")
def router_args(
    stack: Stack, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[str], Path]:
    """``shopgraph router`` with a configuration that shares Redis, and a folder for logs."""
    shared = emptied_redis(redis_url, REDIS_DB)
    folder = tmp_path_factory.mktemp("routers")
    config = folder / "router.yaml"
    config.write_text(yaml.safe_dump({
        "workers": 1,
        "subgraphs": {name: {"url": f"{stack.url(name)}/graphql"} for name in SUBGRAPHS},
        "apq": {"redis_url": shared},
        "entity_cache": {"enabled": True, "redis_url": shared},
        "rate_limit": {"redis_url": shared, "trusted_proxies": ["127.0.0.1/32"],
                       "anonymous": {"capacity": CAPACITY, "refill_per_second": 0.01}},
    }))  # fmt: skip
    args = ["router", "--supergraph", str(ROOT / "schema" / "supergraph.graphql"),
            "--config", str(config)]  # fmt: skip
    return args, folder


@pytest.fixture(scope="module")
def routers(router_args: tuple[list[str], Path]) -> Iterator[tuple[Instance, Instance]]:
    args, folder = router_args
    with (
        running(args, {}, folder / "router-a.log") as first,
        running(args, {}, folder / "router-b.log") as second,
    ):
        yield first, second


def test_a_query_persisted_through_one_is_known_to_the_other(
    routers: tuple[Instance, Instance],
) -> None:
    first, second = routers
    query = '{ product(id: "p-0003") { id name } }'
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = _post(second, {"extensions": persisted})
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = _post(first, {"query": query, "extensions": persisted})
    assert registered["data"]["product"]["id"] == "p-0003"
    assert _post(second, {"extensions": persisted}) == registered


def test_an_entity_cached_by_one_is_a_hit_for_the_other(routers: tuple[Instance, Instance]) -> None:
    first, second = routers
    query = {"query": '{ search(query: "lantern", first: 3) { hits { product { id name } } } }'}
    before = _entity_hits(second)
    answer = _post(first, query)
    assert answer["data"]["search"]["hits"], answer
    assert _post(second, query) == answer
    assert _entity_hits(second) > before, "the second router answered from the shared cache"


def test_a_client_has_one_rate_limit_budget_across_both(
    routers: tuple[Instance, Instance],
) -> None:
    first, second = routers
    client = {"x-forwarded-for": "203.0.113.7"}  # a client of its own behind the proxy
    statuses = []
    with httpx.Client(timeout=10, headers=client) as http:
        for n in range(2 * CAPACITY):
            target = first if n % 2 else second
            answer = http.post(target.url + "/graphql", json={"query": "{ __typename }"})
            statuses.append(answer.status_code)
    assert statuses.count(200) <= CAPACITY + 1, statuses  # a token may refill meanwhile
    assert statuses.count(429) >= CAPACITY - 1, statuses


def test_a_rolling_restart_under_load_loses_no_request(
    router_args: tuple[list[str], Path],
) -> None:
    """What a Deployment's rolling update does: an instance leaves the load balancer's
    rotation, gets SIGTERM, finishes what it was answering; its replacement joins once
    ready; then the next one. Clients keep sending throughout."""
    args, folder = router_args
    with contextlib.ExitStack() as instances:
        rotation = [instances.enter_context(running(args, {}, folder / f"old-{n}.log",
                                                    health="/health/ready"))
                    for n in range(2)]  # fmt: skip
        outcomes: list[int | str] = []
        stop = threading.Event()
        clients = [threading.Thread(target=_send, args=(rotation, outcomes, stop))
                   for _ in range(4)]  # fmt: skip
        for client in clients:
            client.start()
        try:
            for n in range(2):
                time.sleep(1.0)
                leaving = rotation[0]
                rotation.remove(leaving)  # out of the Service's endpoints first
                time.sleep(0.5)  # the load balancer has caught up (a preStop pause)
                leaving.process.terminate()
                # uvicorn re-raises the signal once it has drained: -SIGTERM is a clean exit.
                assert leaving.process.wait(30) in (0, -signal.SIGTERM)
                rotation.append(instances.enter_context(
                    running(args, {}, folder / f"new-{n}.log", health="/health/ready")
                ))  # fmt: skip
            time.sleep(1.0)
        finally:
            stop.set()
            for client in clients:
                client.join(30)
    failures = [outcome for outcome in outcomes if outcome != 200]
    assert not failures, f"{len(failures)} of {len(outcomes)} failed: {failures[:5]}"
    assert len(outcomes) > 100


def _send(rotation: list[Instance], outcomes: list[int | str], stop: threading.Event) -> None:
    """Queries round robin over the instances in rotation now, on keep-alive connections."""
    query = {"query": '{ product(id: "p-0001") { id name price { amount } } }'}
    n = 0
    with httpx.Client(timeout=10) as http:
        while not stop.is_set():
            n += 1
            target = rotation[n % len(rotation)]
            client = {"x-forwarded-for": f"198.51.{n // 250 % 250}.{n % 250}"}  # under the limits
            try:
                answer = http.post(target.url + "/graphql", json=query, headers=client)
                outcomes.append(answer.status_code)
            except httpx.HTTPError as error:
                outcomes.append(repr(error))


def _post(router: Instance, body: dict[str, Any]) -> Any:
    return httpx.post(router.url + "/graphql", json=body, timeout=10).json()


def _entity_hits(router: Instance) -> float:
    text = httpx.get(router.url + "/metrics", timeout=5).text
    pattern = r'^shopgraph_router_entity_cache_requests_total\{[^}]*result="hit"[^}]*\} (\S+)$'
    return sum(float(v) for v in re.findall(pattern, text, re.MULTILINE))
