"""GraphQL over HTTP: methods, media types, status codes and error codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import RouterConfig
from tests.router.planning.plans import FIXTURES

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(RouterConfig(), supergraph_path=FIXTURES / "entities.graphql")
    with TestClient(app) as test_client:
        yield test_client


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


def test_root_typename_is_answered_without_subgraphs(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__typename": "Query"}}


PREFLIGHTED = {"apollo-require-preflight": "true"}


def test_get_queries_work(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ __typename }"}, headers=PREFLIGHTED)
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_get_query_without_a_preflight_header_is_refused_as_csrf(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 400
    assert _codes(response.json()) == ["CSRF_ERROR"]


def test_get_mutations_are_refused(client: TestClient) -> None:
    response = client.get(
        "/graphql",
        params={"query": 'mutation { createProduct(name: "x") { id } }'},
        headers=PREFLIGHTED,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _codes(response.json()) == ["METHOD_NOT_ALLOWED"]


def test_a_syntax_error_is_400_with_a_code(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ products { "})
    assert response.status_code == 400
    assert _codes(response.json()) == ["GRAPHQL_PARSE_FAILED"]
    assert response.json()["errors"][0]["locations"] == [{"line": 1, "column": 14}]


def test_application_json_clients_get_200_for_request_errors(client: TestClient) -> None:
    response = client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert _codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


def test_unknown_fields_fail_validation(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ products { colour } }"})
    assert response.status_code == 400
    body = response.json()
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Cannot query field 'colour' on type 'Product'" in body["errors"][0]["message"]


def test_inaccessible_fields_are_not_queryable(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "{ me { internalNote } }"})
    assert _codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "Variable '$id' of required type 'ID!' was not provided."),
        ({"id": {"$gt": ""}}, "Variable '$id' got invalid value {'$gt': ''}"),
    ],
)
def test_bad_variables_are_rejected_before_any_subgraph_call(
    client: TestClient, variables: dict[str, Any], message: str
) -> None:
    response = client.post(
        "/graphql",
        json={"query": "query ($id: ID!) { product(id: $id) { id } }", "variables": variables},
    )
    assert response.status_code == 400
    body = response.json()
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith(message)


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b'{"query": 3}', {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "variables": [1]}', {"content-type": "application/json"},
         400, "BAD_REQUEST"),
        (b"query=1", {"content-type": "application/x-www-form-urlencoded"}, 400, "CSRF_ERROR"),
        (b"query=1", {"content-type": "application/x-www-form-urlencoded", **PREFLIGHTED}, 415,
         "UNSUPPORTED_MEDIA_TYPE"),
    ],
)  # fmt: skip
def test_malformed_requests_get_clear_4xx_errors(
    client: TestClient, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = client.post("/graphql", content=content, headers=headers)
    assert response.status_code == status
    assert _codes(response.json()) == [code]


def test_request_size_is_limited() -> None:
    app = create_app(
        RouterConfig(max_request_bytes=100), supergraph_path=FIXTURES / "entities.graphql"
    )
    with TestClient(app) as client:
        response = client.post("/graphql", json={"query": "{ __typename }" + " " * 200})
    assert response.status_code == 413
    assert _codes(response.json()) == ["REQUEST_TOO_LARGE"]


def test_an_ambiguous_document_needs_an_operation_name(client: TestClient) -> None:
    query = "query A { __typename } query B { __typename }"
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 400
    response = client.post("/graphql", json={"query": query, "operationName": "B"})
    assert response.json() == {"data": {"__typename": "Query"}}


def test_an_unknown_operation_name_is_a_request_error(client: TestClient) -> None:
    response = client.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "B"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["message"] == 'Unknown operation named "B".'
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
