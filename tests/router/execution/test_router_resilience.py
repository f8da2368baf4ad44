"""The whole router under failing subgraphs: the operation kind decides what is retried, and
a subgraph that stops answering costs its own fields only, then its circuit opens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.http.app import create_app
from router.http.config import RetrySettings, RouterConfig, SubgraphSettings
from tests.router.conftest import ROOT, SUPERGRAPH, Subgraphs, router_config
from tests.router.execution.scripted_server import reply, scripted_server


@pytest.mark.parametrize("data_path", ["native", "python"])
async def test_the_router_retries_queries_and_never_mutations(
    supergraph_with_mutation: Path, data_path: Literal["native", "python"]
) -> None:
    """The products subgraph answers 503 to the first request of each kind, then serves."""
    seen: dict[str, int] = {}

    async def first_fails(_: int, body: bytes) -> bytes:
        query: str = orjson.loads(body)["query"]
        kind = "mutation" if query.lstrip().startswith("mutation") else "query"
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] == 1:
            return reply(503, b"busy")
        field = "slowWrite" if kind == "mutation" else "slow"
        return reply(200, {"data": {field: "done"}})

    async with scripted_server(first_fails) as products:
        retry = RetrySettings(backoff_base_ms=5, backoff_max_ms=20)
        config = RouterConfig(
            subgraphs={"products": SubgraphSettings(url=products.url, retry=retry)},
            data_path=data_path,
            hot_reload=False,
        )
        app = create_app(config, supergraph_path=supergraph_with_mutation)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://router") as http:
                query = await http.post("/graphql", json={"query": "{ slow(seconds: 0) }"})
                write = await http.post(
                    "/graphql", json={"query": "mutation { slowWrite(seconds: 0) }"}
                )
    assert query.json() == {"data": {"slow": "done"}}
    assert seen["query"] == 2  # the 503, then the retry
    body: dict[str, Any] = write.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SUBREQUEST_HTTP_ERROR"]
    assert seen["mutation"] == 1  # never sent twice


@pytest.fixture
def frozen_users() -> Iterator[str]:
    """A users subgraph process, stopped with SIGSTOP once it serves: it accepts connections
    (the kernel does) and never answers. Resumed and ended on the way out."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.router.subgraphs", "users", str(port)], cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url)
        os.kill(process.pid, signal.SIGSTOP)
        yield f"{url}/graphql"
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(10)


def _wait_for_health(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the users test subgraph did not start at {url}")


def _circuit_state(metrics: str, subgraph: str) -> float:
    prefix = f'shopgraph_router_subgraph_circuit_state{{subgraph="{subgraph}"}} '
    [line] = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(line.removeprefix(prefix))


def test_a_frozen_subgraph_costs_its_fields_only_then_its_circuit_opens(
    subgraphs: Subgraphs, frozen_users: str
) -> None:
    timeout = 1.0
    config = router_config(
        subgraphs, {"users": SubgraphSettings(url=frozen_users, timeout_seconds=timeout)}
    )
    healthy = '{ product(id: "p1") { name reviews { body } } }'
    needs_users = '{ product(id: "p1") { name reviews { body author { name } } } }'
    bodies = ["Boils fast", "Loud", "Fine"]
    reviews = [{"body": body} for body in bodies]
    without_authors = [{"body": body, "author": None} for body in bodies]
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as router:
        answer = router.post("/graphql", json={"query": healthy}).json()
        assert answer == {"data": {"product": {"name": "Kettle", "reviews": reviews}}}
        for _ in range(5):
            started = time.monotonic()
            answer = router.post("/graphql", json={"query": needs_users}).json()
            assert time.monotonic() - started < timeout + 2
            assert answer["data"] == {"product": {"name": "Kettle", "reviews": without_authors}}
            codes = {error["extensions"]["code"] for error in answer["errors"]}
            assert codes == {"SUBREQUEST_TIMEOUT"}
            assert {error["extensions"]["serviceName"] for error in answer["errors"]} == {"users"}
        assert _circuit_state(router.get("/metrics").text, "users") == 2  # open
        assert router.get("/health/ready").json()["circuits"]["users"] == "open"
        started = time.monotonic()
        answer = router.post("/graphql", json={"query": needs_users}).json()
        assert time.monotonic() - started < timeout  # at once: no wait for the timeout
        assert {e["extensions"]["code"] for e in answer["errors"]} == {"SUBREQUEST_CIRCUIT_OPEN"}
        assert answer["data"]["product"]["name"] == "Kettle"
        assert router.post("/graphql", json={"query": healthy}).json()["data"]["product"]
