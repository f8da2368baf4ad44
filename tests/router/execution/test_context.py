"""Contextual arguments (@fromContext) against real subgraph processes: each entity's value is
read from its nearest ancestor that sets the context, and reaches the subgraph as a variable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import RouterConfig, SubgraphSettings
from schema.composition import SubgraphInput, compose
from tests.router.conftest import ROOT, Subgraphs, serve_subgraphs
from tests.router.subgraphs.market import SCHEMAS
from tests.schema.reference import reference_compose
from tests.schema.semantic import diff, normalize

SUPERGRAPH = ROOT / "tests" / "fixtures" / "supergraphs" / "context.graphql"
NAMES = ("storefront", "markets", "catalog")


@pytest.fixture(scope="module")
def market() -> Iterator[Subgraphs]:
    with serve_subgraphs(NAMES) as running:
        yield running


@pytest.fixture
def client(market: Subgraphs) -> Iterator[TestClient]:
    market.forget()
    config = RouterConfig(subgraphs={n: SubgraphSettings(url=market.url(n)) for n in NAMES})
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as test_client:
        yield test_client


def _post(client: TestClient, query: str) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def _contextual_calls(market: Subgraphs) -> list[dict[str, Any]]:
    return [r for r in market.requests("storefront") if "contextualArgument" in r["query"]]


def test_the_fixture_is_apollos_composition_of_these_subgraphs() -> None:
    subgraphs = [
        SubgraphInput(name, f"http://{name}.example/graphql", schema.as_str())
        for name, schema in SCHEMAS.items()
    ]
    apollo = reference_compose(subgraphs).supergraph_sdl
    ours = compose(subgraphs).supergraph_sdl
    assert apollo is not None
    assert ours is not None
    fixture = SUPERGRAPH.read_text()
    assert normalize(fixture) == normalize(apollo), diff(fixture, apollo)
    assert normalize(ours) == normalize(apollo), diff(ours, apollo)


def test_each_product_is_priced_in_the_currency_of_its_shop(
    client: TestClient, market: Subgraphs
) -> None:
    data = _post(client, "{ shops { name products { id price } } }")
    assert data == {
        "shops": [
            {"name": "Paris", "products": [{"id": "p1", "price": "29.99 EUR"},
                                           {"id": "p2", "price": "19.99 EUR"}]},
            {"name": "London", "products": [{"id": "p2", "price": "19.99 GBP"},
                                            {"id": "p3", "price": "5.99 GBP"}]},
        ]
    }  # fmt: skip
    # The teapot is in both shops: one request, one aliased _entities per currency.
    [call] = _contextual_calls(market)
    assert "_0: _entities(representations: $representations_0)" in call["query"]
    assert "_1: _entities(representations: $representations_1)" in call["query"]
    assert call["variables"] == {
        "representations_0": [{"__typename": "Product", "id": "p1"},
                              {"__typename": "Product", "id": "p2"}],
        "contextualArgument_3_2_0": "EUR",
        "representations_1": [{"__typename": "Product", "id": "p2"},
                              {"__typename": "Product", "id": "p3"}],
        "contextualArgument_3_2_1": "GBP",
    }  # fmt: skip
    # The currency comes from markets, asked first.
    [currencies] = [r for r in market.requests("markets") if "_entities" in r["query"]]
    assert [r["id"] for r in currencies["variables"]["representations"]] == ["s1", "s2"]


def test_entities_that_agree_on_their_context_share_one_plain_call(
    client: TestClient, market: Subgraphs
) -> None:
    data = _post(client, '{ shop(id: "s2") { products { price } } }')
    assert data == {"shop": {"products": [{"price": "19.99 GBP"}, {"price": "5.99 GBP"}]}}
    [call] = _contextual_calls(market)
    assert "_entities(representations: $representations)" in call["query"]
    assert call["variables"] == {
        "contextualArgument_3_2": "GBP",
        "representations": [{"__typename": "Product", "id": "p2"},
                            {"__typename": "Product", "id": "p3"}],
    }  # fmt: skip


def test_two_types_set_the_context_and_the_nearest_one_gives_the_value(
    client: TestClient, market: Subgraphs
) -> None:
    operation = '{ shop(id: "s1") { outlet { clearance { price label } } products { label } } }'
    data = _post(client, operation)
    # The outlet sells in francs and German, inside the Paris shop's euros and French.
    assert data == {
        "shop": {
            "outlet": {"clearance": [{"price": "29.99 CHF", "label": "p1@de"}]},
            "products": [{"label": "p1@fr-FR"}, {"label": "p2@fr-FR"}],
        }
    }
    sent = sorted(
        ({k: v for k, v in c["variables"].items() if k != "representations"}
         for c in _contextual_calls(market)),
        key=len,
    )  # fmt: skip
    assert sent == [
        {"contextualArgument_3_1": "fr-FR"},
        {"contextualArgument_3_2": "CHF", "contextualArgument_3_1": "de"},
    ]


def test_an_interface_and_a_union_set_contexts_and_errors_find_their_entity(
    client: TestClient,
) -> None:
    query = """{
      featured { title ... on Banner { sticker { caption } } }
      promotions { ... on Bundle { gift { note } } ... on Coupon { gift { note } } }
    }"""
    response = client.post("/graphql", json={"query": query})
    body = response.json()
    # One gift, reached from a bundle and from a coupon: two contexts, two batches.
    assert body["data"] == {
        "featured": {"title": "Spring sale", "sticker": {"caption": "k1: Spring sale"}},
        "promotions": [{"gift": {"note": "g1 with TEA2"}}, {"gift": {"note": None}}],
    }
    [error] = body["errors"]
    assert error["path"] == ["promotions", 1, "gift", "note"]
    assert error["extensions"]["serviceName"] == "storefront"


def test_one_sticker_on_two_banners_gets_each_banners_title(
    client: TestClient, market: Subgraphs
) -> None:
    data = _post(client, "{ banners { sticker { caption } } }")
    assert data == {
        "banners": [
            {"sticker": {"caption": "k1: Spring sale"}},
            {"sticker": {"caption": "k1: Last call"}},
        ]
    }
    [call] = _contextual_calls(market)
    assert {k: v for k, v in call["variables"].items() if not k.startswith("representations")} == {
        "contextualArgument_3_3_0": "Spring sale",
        "contextualArgument_3_3_1": "Last call",
    }
