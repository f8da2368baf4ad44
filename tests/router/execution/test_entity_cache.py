"""The entity cache in Redis, through a router over real subgraph processes: what a query fetch
answered is kept for its hints' max age, entity by entity; nothing crosses from one caller's
credentials to another's; a change message drops what shows the entity; a Redis that is gone
costs nothing but the cache."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.http.app import create_app
from router.http.config import EntityCacheSettings
from router.telemetry.metrics import REGISTRY
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

HINTS = """
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

enum CacheControlScope
  @join__type(graph: PRODUCTS)
{
  PUBLIC @join__enumValue(graph: PRODUCTS)
  PRIVATE @join__enumValue(graph: PRODUCTS)
}
"""  # noqa: E501


@pytest.fixture
def supergraph(tmp_path: Path) -> Path:
    """``shop_live.graphql`` with hints: products and reviews a minute, users private."""
    text = SUPERGRAPH.read_text()
    for name, hint in (("Product", "@cacheControl(maxAge: 60)"),
                       ("Review", "@cacheControl(maxAge: 60)"),
                       ("User", "@cacheControl(maxAge: 60, scope: PRIVATE)")):  # fmt: skip
        text = text.replace(f"\ntype {name}\n", f"\ntype {name}\n  {hint}\n", 1)
    path = tmp_path / "supergraph.graphql"
    path.write_text(text + HINTS)
    return path


@pytest.fixture
def settings(redis_url: str) -> EntityCacheSettings:
    prefix = uuid.uuid4().hex
    return EntityCacheSettings(
        enabled=True, redis_url=redis_url, key_prefix=f"test:entities:{prefix}:",
        invalidation_channel=f"test:entity-changes:{prefix}",
    )  # fmt: skip


def _router(subgraphs: Subgraphs, supergraph: Path, settings: EntityCacheSettings) -> TestClient:
    subgraphs.forget()
    config = router_config(subgraphs, entity_cache=settings)
    return TestClient(create_app(config, supergraph_path=supergraph))


@pytest.fixture
def router(
    subgraphs: Subgraphs, supergraph: Path, settings: EntityCacheSettings
) -> Iterator[TestClient]:
    with _router(subgraphs, supergraph, settings) as client:
        yield client


def _query(client: TestClient, query: str, token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


PRODUCT = '{ product(id: "p1") { name reviews { body } } }'


def test_a_query_read_twice_costs_the_subgraphs_nothing_the_second_time(
    router: TestClient, subgraphs: Subgraphs
) -> None:
    first = _query(router, PRODUCT)
    calls = (len(subgraphs.requests("products")), len(subgraphs.requests("reviews")))
    assert calls == (1, 1)
    assert _query(router, PRODUCT) == first
    assert (len(subgraphs.requests("products")), len(subgraphs.requests("reviews"))) == calls


def test_entities_are_kept_one_by_one(router: TestClient, subgraphs: Subgraphs) -> None:
    _query(router, "{ products { id reviews { body } } }")
    (listing,) = subgraphs.requests("reviews")
    assert len(listing["variables"]["representations"]) == 3
    # p2's reviews were among them: a page of p2 alone asks the reviews subgraph nothing.
    answer = _query(router, '{ product(id: "p2") { name reviews { body } } }')
    assert answer["data"]["product"]["reviews"]
    assert len(subgraphs.requests("reviews")) == 1


def test_only_the_missing_entities_are_fetched(router: TestClient, subgraphs: Subgraphs) -> None:
    _query(router, '{ product(id: "p2") { reviews { body } } }')
    together = _query(router, "{ products { id reviews { body } } }")
    reviews = subgraphs.requests("reviews")
    assert [len(r["variables"]["representations"]) for r in reviews] == [1, 2]
    assert {r["id"] for r in reviews[1]["variables"]["representations"]} == {"p1", "p3"}
    # and the answer is whole, in order
    assert together == _query(router, "{ products { id reviews { body } } }")
    assert [p["id"] for p in together["data"]["products"]] == ["p1", "p2", "p3"]


def test_nothing_one_caller_was_shown_is_served_to_another(
    router: TestClient, subgraphs: Subgraphs
) -> None:
    query = '{ product(id: "p1") { reviews { author { name } } } }'
    for token in ("alice", "bob", None, "alice"):
        _query(router, query, token)
    # User is private: alice's answer is hers (her second read is a hit), bob's his, and a
    # signed-out caller's private data is never kept.
    assert len(subgraphs.requests("users")) == 3
    # Public data read with credentials is theirs alone too: bob's first product read went
    # to the subgraph though alice's was kept.
    subgraphs.forget()
    _query(router, '{ product(id: "p3") { name } }', "alice")
    _query(router, '{ product(id: "p3") { name } }', "bob")
    _query(router, '{ product(id: "p3") { name } }')
    _query(router, '{ product(id: "p3") { name } }')
    assert len(subgraphs.requests("products")) == 3


def test_a_change_message_drops_what_shows_the_entity(
    router: TestClient, subgraphs: Subgraphs, redis_url: str, settings: EntityCacheSettings
) -> None:
    _query(router, PRODUCT)
    _query(router, '{ product(id: "p2") { name } }')
    with redis.Redis.from_url(redis_url) as direct:
        direct.publish(settings.invalidation_channel, b'{"typename": "Product", "id": "p1"}')
    deadline = time.monotonic() + 5
    while len(subgraphs.requests("products")) < 3:
        assert time.monotonic() < deadline, "the change was not followed"
        _query(router, PRODUCT)
        time.sleep(0.05)
    assert len(subgraphs.requests("reviews")) == 2  # p1's reviews dropped too
    _query(router, '{ product(id: "p2") { name } }')
    assert len(subgraphs.requests("products")) == 3  # p2 kept


def test_entities_with_errors_are_not_kept(router: TestClient, subgraphs: Subgraphs) -> None:
    query = '{ product(id: "p2") { reviews { author { name } } } }'
    first, second = _query(router, query, "carol"), _query(router, query, "carol")
    assert first == second
    assert [e["path"] for e in first["errors"]] == [["product", "reviews", 1, "author", "name"]]
    # u2 was kept; "broken" (whose name fails) is asked for again, alone.
    asked = [r["variables"]["representations"] for r in subgraphs.requests("users")]
    assert asked == [
        [{"__typename": "User", "id": "u2"}, {"__typename": "User", "id": "broken"}],
        [{"__typename": "User", "id": "broken"}],
    ]


def test_a_redis_that_is_gone_costs_only_the_cache(subgraphs: Subgraphs, supergraph: Path) -> None:
    gone = EntityCacheSettings(enabled=True, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with _router(subgraphs, supergraph, gone) as client:
        answers = [_query(client, PRODUCT) for _ in range(3)]
    assert answers[0]["data"]["product"]["name"] == "Kettle"
    assert answers == [answers[0]] * 3
    assert len(subgraphs.requests("products")) == 3


def test_hit_and_miss_counts_are_exported(router: TestClient) -> None:
    _query(router, PRODUCT)
    _query(router, PRODUCT)
    metrics = router.get("/metrics").text
    assert 'shopgraph_router_entity_cache_requests_total{result="hit",subgraph="products"}' in (
        metrics
    )


def _responses(result: str) -> float:
    name = "shopgraph_router_response_cache_requests_total"
    return REGISTRY.get_sample_value(name, {"result": result}) or 0.0


def _entity_lookups() -> float:
    name = "shopgraph_router_entity_cache_requests_total"
    return sum(
        REGISTRY.get_sample_value(name, {"subgraph": s, "result": r}) or 0.0
        for s in ("products", "reviews", "users")
        for r in ("hit", "miss")
    )


def test_the_response_cache_serves_public_queries_whole(
    subgraphs: Subgraphs, supergraph: Path, settings: EntityCacheSettings, redis_url: str
) -> None:
    with_responses = settings.model_copy(update={"responses": True})
    with _router(subgraphs, supergraph, with_responses) as client:
        first = client.post("/graphql", json={"query": PRODUCT})
        hits, lookups = _responses("hit"), _entity_lookups()
        second = client.post("/graphql", json={"query": PRODUCT})
        assert second.json() == first.json()
        assert (
            second.headers["cache-control"]
            == first.headers["cache-control"]
            == ("max-age=60, public")
        )
        # Served whole: no fetch, not even from the entity cache.
        assert (_responses("hit") - hits, _entity_lookups() - lookups) == (1, 0)
        # A caller with a token is never served from it.
        _query(client, PRODUCT, "alice")
        assert _responses("hit") - hits == 1
        # A change to p1 drops the response with its fetches.
        with redis.Redis.from_url(redis_url) as direct:
            direct.publish(settings.invalidation_channel, b'{"typename": "Product", "id": "p1"}')
        deadline = time.monotonic() + 5
        while len(subgraphs.requests("products")) < 3:  # the first read, alice's, then this
            assert time.monotonic() < deadline, "the response was served after the change"
            _query(client, PRODUCT)
            time.sleep(0.05)
        assert len(subgraphs.requests("products")) == 3  # the first, alice's, after the change
