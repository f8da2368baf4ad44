"""The search subgraph over HTTP, on Elasticsearch and Redis test servers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from starlette.testclient import TestClient

from subgraphs.search.app import create_app
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.settings import SearchSettings
from tests.subgraphs.search.test_search_contract import CATALOG
from tests.support.tokens import CUSTOMER, verifier


@pytest.fixture
def client(elasticsearch_url: str, redis_url: str) -> Iterator[TestClient]:
    alias = f"products-{uuid.uuid4().hex[:12]}"

    async def open_search() -> ElasticsearchSearchIndex:
        index = ElasticsearchSearchIndex(AsyncElasticsearch(elasticsearch_url), alias)
        await index.ensure_index()
        await index.index(CATALOG)
        return index

    settings = SearchSettings(search_run_indexer=False)
    app = create_app(open_search=open_search, redis_url=redis_url, verifier=verifier(),
                     settings=settings)  # fmt: skip
    with TestClient(app) as test_client:
        yield test_client
        test_client.portal.call(_drop, elasticsearch_url, alias)  # type: ignore[union-attr]


async def _drop(url: str, alias: str) -> None:
    async with AsyncElasticsearch(url) as client:
        await client.indices.delete(index=f"{alias}-*")


def post(client: TestClient, query: str, headers: dict[str, str] | None = None,
         **variables: Any) -> dict[str, Any]:  # fmt: skip
    response = client.post("/graphql", json={"query": query, "variables": variables},
                           headers=headers or {})  # fmt: skip
    body: dict[str, Any] = response.json()
    return body


SEARCH = """
query ($q: String!, $filter: SearchFilter, $sort: SearchSort! = RELEVANCE, $first: Int! = 20,
       $after: String) {
  search(query: $q, filter: $filter, sort: $sort, first: $first, after: $after) {
    total
    hits { product { id } score highlights { field fragments } }
    facets {
      categories { category { id } count }
      brands { brand count }
      vendors { vendor { id } count }
      prices { min max count }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


def error(body: dict[str, Any]) -> tuple[str, str]:
    [only] = body["errors"]
    return only["extensions"]["code"], only["message"]


def test_search_returns_product_references_facets_and_highlights(client: TestClient) -> None:
    body = post(client, SEARCH, headers=CUSTOMER, q="grinder")
    assert "errors" not in body
    result = body["data"]["search"]
    assert result["total"] == 1
    [hit] = result["hits"]
    assert hit["product"] == {"id": "p-0003"}
    assert hit["score"] > 0
    assert {"field": "name", "fragments": ["Café <em>Grinder</em>"]} in hit["highlights"]
    assert result["facets"]["categories"] == [{"category": {"id": "c-kitchen"}, "count": 1}]
    assert result["facets"]["vendors"] == [{"vendor": {"id": "v-0"}, "count": 1}]
    assert result["facets"]["prices"][1] == {"min": 1000, "max": 2500, "count": 0}
    assert result["facets"]["prices"][2] == {"min": 2500, "max": 5000, "count": 1}
    assert result["pageInfo"] == {"hasNextPage": False, "endCursor": None}


def test_filters_sort_and_pages_through_graphql(client: TestClient) -> None:
    seen: list[str] = []
    after = None
    while True:
        result = post(client, SEARCH, q="", filter={"brands": ["Bolt"]}, sort="PRICE_DESC",
                      first=1, after=after)["data"]["search"]  # fmt: skip
        assert result["total"] == 3
        seen += [h["product"]["id"] for h in result["hits"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert seen == ["p-0006", "p-0004", "p-0002"]


def test_suggest(client: TestClient) -> None:
    body = post(client, '{ suggest(prefix: "ket", first: 2) }')
    assert body == {"data": {"suggest": ["Steel Kettle", "Kettle Descaler"]}}
    assert post(client, '{ suggest(prefix: "  ") }') == {"data": {"suggest": []}}


@pytest.mark.parametrize(
    ("variables", "code", "message"),
    [
        ({"sort": "CHEAPEST"}, "BAD_USER_INPUT", "Value 'CHEAPEST' does not exist in 'SearchSort'"),
        ({"first": -1}, "BAD_USER_INPUT", "first must be between 1 and 100, not -1"),
        ({"first": 101}, "BAD_USER_INPUT", "first must be between 1 and 100, not 101"),
        ({"after": "not-a-cursor"}, "BAD_USER_INPUT", "malformed cursor 'not-a-cursor'"),
        ({"q": "x" * 201}, "BAD_USER_INPUT", "query is 201 characters; at most 200"),
        ({"filter": {"minPrice": -5}}, "BAD_USER_INPUT", "filter.minPrice must not be negative"),
        ({"filter": {"minPrice": 9, "maxPrice": 1}}, "BAD_USER_INPUT", "minPrice is above"),
        ({"filter": {"brands": ["x"] * 51}}, "BAD_USER_INPUT", "more than 50 values"),
        ({"filter": {"brands": {"$gt": ""}}}, "BAD_USER_INPUT", "got invalid value"),
    ],
)
def test_bad_input_gets_a_clear_error(
    client: TestClient, variables: dict[str, Any], code: str, message: str
) -> None:
    body = post(client, SEARCH, **{"q": "kettle", **variables})
    assert body.get("data") in (None, {"search": None})
    got_code, got_message = error(body)
    assert got_code == code
    assert message in got_message


def test_a_cursor_of_another_sort_is_refused(client: TestClient) -> None:
    page = post(client, SEARCH, q="", sort="PRICE_ASC", first=2)["data"]["search"]
    body = post(client, SEARCH, q="", sort="NEWEST", after=page["pageInfo"]["endCursor"])
    assert error(body)[0] == "BAD_USER_INPUT"
    assert "belongs to sort 'PRICE_ASC'" in error(body)[1]


def test_unknown_sort_literal_and_bad_suggest_sizes(client: TestClient) -> None:
    body = post(client, '{ search(query: "x", sort: CHEAPEST) { total } }')
    code, message = error(body)
    assert code == "GRAPHQL_VALIDATION_FAILED"
    assert message.startswith("Value 'CHEAPEST' does not exist in 'SearchSort' enum.")
    assert error(post(client, '{ suggest(prefix: "k", first: 0) }'))[0] == "BAD_USER_INPUT"
    assert error(post(client, f'{{ suggest(prefix: "{"k" * 101}") }}'))[0] == "BAD_USER_INPUT"


def test_a_bad_token_is_refused_and_the_sdl_declares_references(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ suggest(prefix: \"k\") }"},
                           headers={"authorization": "Bearer not.a.token"})  # fmt: skip
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    sdl = post(client, "{ _service { sdl } }")["data"]["_service"]["sdl"]
    assert 'type Product @key(fields: "id", resolvable: false)' in sdl
    assert "search(" in sdl
