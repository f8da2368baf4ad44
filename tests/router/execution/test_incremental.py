"""Incremental execution over subgraphs served on loopback: authorization's holes in a
deferred part (null, with ``UNAUTHORIZED_FIELD_OR_TYPE`` at the client's path), a subgraph that
fails in one part only, and a part that never finishes within the response's deadline."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from router.auth.directives import ANONYMOUS
from router.execution.client import HttpSubgraphClient
from router.execution.incremental import Initial, Payload, Subsequent, start_incremental
from router.execution.service import RouterService
from router.supergraph import Supergraph
from tests.router.execution.scripted_server import hang, reply, scripted_server
from tests.router.planning.plans import fixture


def _served(urls: dict[str, str]) -> Supergraph:
    supergraph = fixture("authorization")
    graphs = {
        graph_id: type(graph)(graph.id, graph.name, urls.get(graph.name, graph.url))
        for graph_id, graph in supergraph.graphs.items()
    }
    return replace(supergraph, graphs=graphs)


async def _payloads(service: RouterService, query: str, deadline: float = 10) -> list[Payload]:
    prepared = await service.prepare(query, None)
    execution = await start_incremental(service, prepared, {}, {}, ANONYMOUS, deadline)
    assert execution is not None
    return [payload async for payload in execution.payloads()]


def _answers(answer: dict[str, Any]) -> Any:
    async def script(_: int, __: bytes) -> bytes:
        return reply(body=answer)

    return script


async def test_a_denied_field_in_a_deferred_part_is_null_with_its_error() -> None:
    products = {"data": {"products": [{"name": "Lamp", "__typename": "Product", "id": "p1"}]}}
    reviews = {"data": {"_entities": [{"reviews": [{"body": "Nice"}]}]}}
    async with (
        scripted_server(_answers(products)) as products_server,
        scripted_server(_answers(reviews)) as reviews_server,
    ):
        urls = {"products": products_server.url, "reviews": reviews_server.url}
        client = HttpSubgraphClient(timeout=5)
        service = RouterService(_served(urls), client, defer_support=True)
        query = "{ products { name ... @defer { margin reviews { body } } } }"
        initial, rest = await _payloads(service, query)
        await client.aclose()
    assert isinstance(initial, Initial)
    assert (initial.data, initial.errors) == ({"products": [{"name": "Lamp"}]}, [])
    assert isinstance(rest, Subsequent)
    (item,) = rest.completed
    assert item.pending.path == ["products", 0]
    assert item.data == {"margin": None, "reviews": [{"body": "Nice"}]}
    assert item.errors == [
        {"message": "Unauthorized field or type", "path": ["products", 0, "margin"],
         "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}
    ]  # fmt: skip
    # The denied field was never asked of a subgraph.
    assert all(b"margin" not in body for body in products_server.bodies)


async def test_a_failing_subgraph_fails_its_part_only() -> None:
    products = {"data": {"products": [{"name": "Lamp", "__typename": "Product", "id": "p1"}]}}
    async with (
        scripted_server(_answers(products)) as products_server,
        scripted_server(_answers({"errors": [{"message": "down"}]})) as reviews_server,
    ):
        urls = {"products": products_server.url, "reviews": reviews_server.url}
        client = HttpSubgraphClient(timeout=5)
        service = RouterService(_served(urls), client, defer_support=True)
        initial, rest = await _payloads(
            service, "{ products { name ... @defer { reviews { body } } } }"
        )
        await client.aclose()
    assert isinstance(initial, Initial)
    assert initial.errors == []
    assert isinstance(rest, Subsequent)
    (item,) = rest.completed
    # `reviews: [Review!]!` got null: the null reaches the fragment, which has no data.
    assert item.data is None
    codes = [e["extensions"]["code"] for e in item.errors]
    assert codes[0] == "DOWNSTREAM_SERVICE_ERROR"


async def test_a_part_not_ready_by_the_deadline_is_sent_with_an_error() -> None:
    products = {"data": {"products": [{"name": "Lamp", "__typename": "Product", "id": "p1"}]}}
    async with (
        scripted_server(_answers(products)) as products_server,
        scripted_server(hang) as reviews_server,
    ):
        urls = {"products": products_server.url, "reviews": reviews_server.url}
        client = HttpSubgraphClient(timeout=30)
        service = RouterService(_served(urls), client, defer_support=True)
        query = "{ products { name ... @defer { reviews { body } } } }"
        initial, rest = await _payloads(service, query, deadline=0.5)
        await client.aclose()
    assert isinstance(initial, Initial)
    assert isinstance(rest, Subsequent)
    assert not rest.has_next
    (item,) = rest.completed
    assert item.data is None
    assert item.errors[0]["extensions"] == {"code": "DEFER_DEADLINE_EXCEEDED"}
