"""Inbound deduplication: identical queries in flight at once share one execution."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from router.http.app import create_app
from router.http.inflight import InFlightRequests
from router.telemetry.metrics import REGISTRY
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

SLOW = "query Slow($seconds: Float!) { slow(seconds: $seconds) }"
MUTATION = "  mutation: Mutation\n"
WITH_MUTATION = """
type Mutation
  @join__type(graph: PRODUCTS)
{
  slowWrite(seconds: Float! = 0.5): String! @join__field(graph: PRODUCTS)
}
"""


def joins() -> float:
    return REGISTRY.get_sample_value("shopgraph_router_deduplicated_requests_total") or 0.0


@asynccontextmanager
async def serving(
    subgraphs: Subgraphs, supergraph: Path = SUPERGRAPH, **options: Any
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The router app in this event loop. Subgraph-side deduplication is off, so whatever the
    subgraphs see collapsed was collapsed by the inbound table."""
    subgraphs.forget()
    config = router_config(subgraphs, dedupe_subgraph_requests=False, **options)
    app = create_app(config, supergraph_path=supergraph)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            yield app, client


def post(
    client: httpx.AsyncClient,
    query: str = SLOW,
    headers: dict[str, str] | None = None,
    operation_name: str | None = None,
    **variables: Any,
) -> asyncio.Task[httpx.Response]:
    body = {"query": query, "operationName": operation_name, "variables": variables}
    return asyncio.create_task(client.post("/graphql", json=body, headers=headers))


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still waiting for {what}")


async def settled(app: Starlette) -> None:
    """Wait for the in-flight table to empty (a task's done callback runs just after it)."""
    await until(lambda: len(app.state.inflight) == 0, "the in-flight table to empty")


async def test_identical_queries_in_flight_share_one_execution_and_one_body(
    subgraphs: Subgraphs,
) -> None:
    before = joins()
    async with serving(subgraphs) as (app, client):
        posts = [post(client, seconds=0.5) for _ in range(4)]
        get = client.get(
            "/graphql",
            params={"query": SLOW, "variables": '{"seconds": 0.5}'},
            headers={"apollo-require-preflight": "true"},
        )
        responses = await asyncio.gather(*posts, get)
        await settled(app)
    assert [r.status_code for r in responses] == [200] * 5
    assert {r.content for r in responses} == {b'{"data":{"slow":"slept 0.5s"}}'}
    assert {r.headers["content-type"] for r in responses} == {"application/json"}
    assert len(subgraphs.requests("products")) == 1
    assert joins() - before == 4


async def test_a_shared_execution_shares_its_graphql_errors(subgraphs: Subgraphs) -> None:
    query = '{ slow(seconds: 0.5) product(id: "p2") { reviews { author { name } } } }'
    before = joins()
    async with serving(subgraphs) as (app, client):
        responses = await asyncio.gather(*(post(client, query) for _ in range(3)))
        await settled(app)
    bodies = [r.json() for r in responses]
    assert bodies[0]["errors"][0]["path"] == ["product", "reviews", 1, "author", "name"]
    assert bodies == [bodies[0]] * 3
    assert len(subgraphs.requests("users")) == 1
    assert joins() - before == 2


def _variables(client: httpx.AsyncClient) -> list[asyncio.Task[httpx.Response]]:
    return [post(client, seconds=0.5), post(client, seconds=0.51)]


def _operation_names(client: httpx.AsyncClient) -> list[asyncio.Task[httpx.Response]]:
    both = "query A { slow(seconds: 0.5) } query B { slow(seconds: 0.5) }"
    return [post(client, both, operation_name="A"), post(client, both, operation_name="B")]


def _authorization(client: httpx.AsyncClient) -> list[asyncio.Task[httpx.Response]]:
    return [
        post(client, headers={"authorization": "Bearer one"}, seconds=0.5),
        post(client, headers={"authorization": "Bearer two"}, seconds=0.5),
    ]


def _propagated_header(client: httpx.AsyncClient) -> list[asyncio.Task[httpx.Response]]:
    return [
        post(client, headers={"x-tenant": "north"}, seconds=0.5),
        post(client, headers={"x-tenant": "south"}, seconds=0.5),
    ]


@pytest.mark.parametrize(
    "requests", [_variables, _operation_names, _authorization, _propagated_header]
)
async def test_queries_that_differ_run_separately(subgraphs: Subgraphs, requests: Any) -> None:
    # Authorization is not propagated here: only the inbound key can tell the two apart.
    before = joins()
    async with serving(subgraphs, propagate_headers=["x-tenant"]) as (app, client):
        responses = await asyncio.gather(*requests(client))
        await settled(app)
    assert [r.status_code for r in responses] == [200, 200]
    assert len(subgraphs.requests("products")) == 2
    assert joins() == before


async def test_the_same_authorization_does_share_even_when_not_propagated(
    subgraphs: Subgraphs,
) -> None:
    before = joins()
    async with serving(subgraphs, propagate_headers=[]) as (app, client):
        same = {"authorization": "Bearer one"}
        responses = await asyncio.gather(*(post(client, headers=same, seconds=0.5) for _ in "ab"))
        await settled(app)
    assert [r.status_code for r in responses] == [200, 200]
    assert len(subgraphs.requests("products")) == 1
    assert joins() - before == 1


async def test_mutations_are_never_shared(subgraphs: Subgraphs, tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    text = SUPERGRAPH.read_text().replace("  query: Query\n", "  query: Query\n" + MUTATION)
    supergraph.write_text(text + WITH_MUTATION)
    before = joins()
    async with serving(subgraphs, supergraph) as (app, client):
        write = "mutation { slowWrite(seconds: 0.5) }"
        writes = [post(client, write) for _ in range(3)]
        await until(lambda: len(subgraphs.requests("products")) == 3, "three writes")
        assert len(app.state.inflight) == 0  # a mutation never enters the table
        responses = await asyncio.gather(*writes)
    assert [r.json() for r in responses] == [{"data": {"slowWrite": "wrote after 0.5s"}}] * 3
    assert len(subgraphs.requests("products")) == 3
    assert joins() == before


async def test_the_first_requester_going_away_fails_nobody(subgraphs: Subgraphs) -> None:
    before = joins()
    async with serving(subgraphs) as (app, client):
        first = post(client, seconds=0.8)
        await until(lambda: len(app.state.inflight) == 1, "the first request to start")
        followers = [post(client, seconds=0.8) for _ in range(3)]
        await until(lambda: joins() - before == 3, "the followers to join")
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        responses = await asyncio.gather(*followers)
        await settled(app)
    assert [r.json() for r in responses] == [{"data": {"slow": "slept 0.8s"}}] * 3
    assert len(subgraphs.requests("products")) == 1


async def test_the_table_empties_when_every_requester_went_away(subgraphs: Subgraphs) -> None:
    before = joins()
    async with serving(subgraphs) as (app, client):
        requests = [post(client, seconds=0.3) for _ in range(2)]
        await until(lambda: joins() - before == 1, "the second request to join")
        for request in requests:
            request.cancel()
        await asyncio.gather(*requests, return_exceptions=True)
        assert len(app.state.inflight) == 1  # the execution goes on without them
        await settled(app)
        # A later identical query runs anew rather than reading a finished entry.
        response = await post(client, seconds=0.3)
    assert orjson.loads(response.content) == {"data": {"slow": "slept 0.3s"}}
    assert len(subgraphs.requests("products")) == 2


async def test_dedupe_inbound_requests_false_turns_it_off(subgraphs: Subgraphs) -> None:
    before = joins()
    async with serving(subgraphs, dedupe_inbound_requests=False) as (app, client):
        assert app.state.inflight is None
        responses = await asyncio.gather(*(post(client, seconds=0.5) for _ in range(3)))
    assert [r.status_code for r in responses] == [200] * 3
    assert len(subgraphs.requests("products")) == 3
    assert joins() == before


async def test_an_exception_is_shared_and_its_entry_removed() -> None:
    table = InFlightRequests[str]()
    started = asyncio.Event()

    async def fail() -> str:
        started.set()
        await asyncio.sleep(0.05)
        raise RuntimeError("subgraph exploded")

    first = asyncio.create_task(table.run(b"k", fail))
    await started.wait()
    second = asyncio.create_task(table.run(b"k", fail))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert [str(r) for r in results] == ["subgraph exploded"] * 2
    assert results[0] is results[1]  # one execution, one exception
    await asyncio.sleep(0)
    assert len(table) == 0
