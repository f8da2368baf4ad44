"""The router against real subgraph processes: batching, merging, nulls and errors."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import shopgraph_native
from starlette.testclient import TestClient

from router.execution import HttpSubgraphClient
from router.execution.client import SubgraphAnswer
from router.execution.service import GraphQLResult, RouterService
from router.http.app import create_app
from router.http.config import SubgraphErrorSettings, SubgraphSettings
from router.supergraph import load_supergraph
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config


def _post(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _entity_requests(subgraphs: Subgraphs, name: str) -> list[dict[str, Any]]:
    return [r for r in subgraphs.requests(name) if "_entities" in r["query"]]


def test_fields_from_three_subgraphs_are_merged(router: TestClient) -> None:
    body = _post(router, '{ product(id: "p1") { name reviews { body author { name } } } }')
    assert body == {
        "data": {
            "product": {
                "name": "Kettle",
                "reviews": [
                    {"body": "Boils fast", "author": {"name": "Ada"}},
                    {"body": "Loud", "author": {"name": "Grace"}},
                    {"body": "Fine", "author": {"name": "Ada"}},
                ],
            }
        }
    }


def test_each_entity_fetch_is_one_request_with_deduplicated_representations(
    router: TestClient, subgraphs: Subgraphs
) -> None:
    _post(router, "{ products { reviews { author { id } } } }")
    [reviews_call] = _entity_requests(subgraphs, "reviews")
    assert [r["id"] for r in reviews_call["variables"]["representations"]] == ["p1", "p2", "p3"]
    _post(router, "{ products { reviews { author { name } } } }")
    [users_call] = _entity_requests(subgraphs, "users")
    # Five reviews by three distinct authors: three representations, one request.
    assert sorted(r["id"] for r in users_call["variables"]["representations"]) == [
        "broken",
        "u1",
        "u2",
    ]


def test_an_error_in_an_entity_fetch_gets_the_client_path_and_the_subgraph_name(
    router: TestClient,
) -> None:
    body = _post(router, '{ product(id: "p2") { reviews { body author { name } } } }')
    assert body["data"] == {
        "product": {
            "reviews": [
                {"body": "Lovely", "author": {"name": "Grace"}},
                {"body": "Cracked", "author": None},
            ]
        }
    }
    [error] = body["errors"]
    assert error["message"] == "Subgraph errors redacted"  # the default: messages stay inside
    assert error["path"] == ["product", "reviews", 1, "author", "name"]
    assert error["extensions"] == {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "users"}


def test_subgraph_error_messages_reach_clients_where_configured(subgraphs: Subgraphs) -> None:
    errors = SubgraphErrorSettings(subgraphs={"users": True})
    app = create_app(router_config(subgraphs, subgraph_errors=errors), supergraph_path=SUPERGRAPH)
    with TestClient(app) as client:
        body = _post(client, '{ product(id: "p2") { reviews { author { name } } } }')
    [error] = body["errors"]
    assert error["message"] == "user broken has no name"
    assert error["path"] == ["product", "reviews", 1, "author", "name"]


def test_variables_are_passed_to_the_subgraph(router: TestClient, subgraphs: Subgraphs) -> None:
    body = _post(router, "query ($id: ID!) { product(id: $id) { price } }", id="p3")
    assert body == {"data": {"product": {"price": 599}}}
    [call] = subgraphs.requests("products")
    assert call["variables"] == {"id": "p3"}


def test_a_subgraph_that_is_down_gives_partial_data_and_an_error(subgraphs: Subgraphs) -> None:
    config = router_config(subgraphs, {"users": SubgraphSettings(url="http://127.0.0.1:9/graphql")})
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        body = _post(client, '{ product(id: "p1") { name reviews { author { name } } } }')
    assert body["data"] == {"product": {"name": "Kettle", "reviews": [{"author": None}] * 3}}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SUBREQUEST_HTTP_ERROR"}
    assert {e["extensions"]["serviceName"] for e in body["errors"]} == {"users"}


def test_a_slow_subgraph_times_out_with_its_own_timeout(subgraphs: Subgraphs) -> None:
    config = router_config(
        subgraphs,
        {"products": SubgraphSettings(url=subgraphs.url("products"), timeout_seconds=0.2)},
    )
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        body = _post(client, "{ slow(seconds: 1) reviewCount }")
    # slow is non-null and top-level: data is null, and the timeout is the reason.
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SUBREQUEST_TIMEOUT"]


def test_identical_requests_in_flight_share_one_subgraph_call(subgraphs: Subgraphs) -> None:
    async def twice() -> tuple[dict[str, Any], dict[str, Any]]:
        client = HttpSubgraphClient()
        body = {"query": "{ slow(seconds: 0.3) }"}
        try:
            return await asyncio.gather(
                client.send("products", subgraphs.url("products"), body, {}),
                client.send("products", subgraphs.url("products"), body, {}),
            )
        finally:
            await client.aclose()

    subgraphs.forget()
    first, second = asyncio.run(twice())
    assert first == second == {"data": {"slow": "slept 0.3s"}}
    assert len(subgraphs.requests("products")) == 1


def test_a_caller_that_goes_away_does_not_cancel_a_shared_call(subgraphs: Subgraphs) -> None:
    async def first_gives_up() -> SubgraphAnswer:
        client = HttpSubgraphClient()
        payload = b'{"query":"{ slow(seconds: 0.3) }"}'
        url = subgraphs.url("products")
        try:
            first = client.start("products", url, payload, {})
            second = client.start("products", url, payload, {})
            await asyncio.sleep(0.05)
            first.cancel()
            return await second
        finally:
            await client.aclose()

    subgraphs.forget()
    answer = asyncio.run(first_gives_up())
    assert (answer.status, answer.body) == (200, b'{"data":{"slow":"slept 0.3s"}}')
    assert len(subgraphs.requests("products")) == 1


def test_requests_sharing_a_call_share_its_answer_and_its_parse(subgraphs: Subgraphs) -> None:
    """The compiled data path keeps its parse on the shared answer: two identical operations
    in flight at once cost one subgraph call and one parse, and each gets the whole data."""
    calls: list[asyncio.Future[SubgraphAnswer]] = []

    class Recording(HttpSubgraphClient):
        def start(
            self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
            *, retry: bool = False,
        ) -> asyncio.Future[SubgraphAnswer]:  # fmt: skip
            call = super().start(subgraph, url, payload, headers, retry=retry)
            calls.append(call)
            return call

    async def twice() -> tuple[GraphQLResult, GraphQLResult]:
        client = Recording()
        sdl = SUPERGRAPH.read_text()
        for name in subgraphs.urls:
            sdl = sdl.replace(f"http://{name}.local/graphql", subgraphs.url(name))
        service = RouterService(load_supergraph(sdl), client)
        prepared = await service.prepare('{ slow(seconds: 0.3) product(id: "p1") { name } }', None)
        try:
            return await asyncio.gather(
                service.execute(prepared, {}), service.execute(prepared, {})
            )
        finally:
            await client.aclose()

    subgraphs.forget()
    first, second = asyncio.run(twice())
    assert first.data == second.data == {"slow": "slept 0.3s", "product": {"name": "Kettle"}}
    assert len(subgraphs.requests("products")) == 1
    first_answer, second_answer = (call.result() for call in calls)
    assert first_answer is second_answer
    # Parsed by the first reader, kept for the second.
    assert isinstance(first_answer.decoded, shopgraph_native.Answer)


def test_non_null_violations_propagate_to_the_nearest_nullable_parent(router: TestClient) -> None:
    # User.name is non-null: the broken user's null makes its `me`... here: `author` null.
    body = _post(router, "{ products { id reviews { author { id name } } } }")
    reviews = body["data"]["products"][1]["reviews"]
    assert reviews == [{"author": {"id": "u2", "name": "Grace"}}, {"author": None}]


def test_a_subgraph_answering_garbage_gives_an_error_and_the_router_keeps_serving(
    subgraphs: Subgraphs,
) -> None:
    garbage = subgraphs.urls["reviews"] + "/garbage"
    config = router_config(subgraphs, {"reviews": SubgraphSettings(url=garbage)})
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        body = _post(client, '{ product(id: "p3") { name reviews { body } } }')
        assert body["data"] == {"product": None}  # reviews is non-null: product goes null
        [error] = body["errors"]
        assert error["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "reviews"}
        assert "HTTP 502 without a GraphQL response" in error["message"]
        assert _post(client, '{ product(id: "p3") { name } }') == {
            "data": {"product": {"name": "Mug"}}
        }


def test_objects_whose_every_field_is_skipped_are_answered_empty(router: TestClient) -> None:
    body = _post(
        router,
        """{ products { id @include(if: false) }
             product(id: "p1") { reviews { ... on Review { body @skip(if: true) } } } }""",
    )
    assert body == {"data": {"products": [{}, {}, {}], "product": {"reviews": [{}, {}, {}]}}}
