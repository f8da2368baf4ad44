"""GraphQL over HTTP: methods, media types, status codes and error codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import RouterConfig
from tests.router.planning.plans import FIXTURES

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client that asks for ``application/graphql-response+json`` unless a test says else."""
    app = create_app(RouterConfig(), supergraph_path=FIXTURES / "entities.graphql")
    with TestClient(app, headers={"accept": GRAPHQL_RESPONSE}) as test_client:
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


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _post(client: TestClient, payload: Any, accept: str | None) -> Response:
    """POST ``payload``; ``accept=None`` sends no Accept header at all."""
    request = client.build_request("POST", "/graphql", json=payload)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return client.send(request)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        (BROWSER, "application/json"),
        ("application/json", "application/json"),
        ("application/json, application/graphql-response+json", "application/json"),
        ("application/graphql-response+json;q=0.5, application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
        ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
    ],
)
def test_the_response_media_type_follows_accept(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    response = _post(client, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept",
    [
        "text/plain",
        "text/html",
        "application/xml, text/*",
        "application/json;q=0",
        "application/graphql-response+json;q=0, application/json;q=0, */*",
        "*/*;q=0",
        "application/json;q=high",
    ],
)
def test_a_client_that_accepts_neither_type_gets_406_before_the_document_is_read(
    client: TestClient, accept: str
) -> None:
    response = _post(client, {"query": "{ products { "}, accept)
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/json"
    assert _codes(response.json()) == ["NOT_ACCEPTABLE"]


@pytest.mark.parametrize(
    ("accept", "status"),
    [("*/*", 200), (None, 200), ("application/json", 200), (GRAPHQL_RESPONSE, 400)],
)
def test_a_validation_error_is_200_only_for_application_json(
    client: TestClient, accept: str | None, status: int
) -> None:
    response = _post(client, {"query": "{ nope }"}, accept)
    assert response.status_code == status
    body = response.json()
    assert "data" not in body
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_get_negotiates_as_post_does(client: TestClient) -> None:
    response = client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"accept": "*/*", **PREFLIGHTED}
    )
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"__typename": "Query"}}


NOT_OBJECTS = [(0, "a number"), (False, "a boolean"), ([], "an array"), ("", "a string"),
               (1.5, "a number"), (True, "a boolean"), (["a"], "an array"),
               ("{}", "a string")]  # fmt: skip


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
@pytest.mark.parametrize(("value", "kind"), NOT_OBJECTS)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_variables_and_extensions_that_are_not_objects_are_refused(
    client: TestClient, parameter: str, value: Any, kind: str, accept: str
) -> None:
    response = _post(client, {"query": "{ __typename }", parameter: value}, accept)
    # Not a well-formed request, so 400 whichever media type (application/json included).
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": f"'{parameter}' must be a JSON object or null, not {kind}",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
def test_null_variables_and_extensions_are_absent(client: TestClient, parameter: str) -> None:
    response = _post(client, {"query": "{ __typename }", parameter: None}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    query = "query ($id: ID!) { product(id: $id) { id } }"
    response = _post(client, {"query": query, "variables": None}, GRAPHQL_RESPONSE)
    assert response.json()["errors"][0]["message"].startswith("Variable '$id' of required type")


def _get(client: TestClient, params: list[tuple[str, str]]) -> Response:
    return client.get("/graphql", params=tuple(params), headers=PREFLIGHTED)


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0", "must be a JSON object or null, not a number"),
        ("false", "must be a JSON object or null, not a boolean"),
        ("[]", "must be a JSON object or null, not an array"),
        ('""', "must be a JSON object or null, not a string"),
        ("", "is not valid JSON"),
        ("{id: 1}", "is not valid JSON"),
    ],
)
def test_get_variables_and_extensions_must_be_json_objects(
    client: TestClient, parameter: str, raw: str, reason: str
) -> None:
    response = _get(client, [("query", "{ __typename }"), (parameter, raw)])
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert parameter in error["message"]
    assert reason in error["message"]


def test_get_variables_are_a_json_object_and_null_is_absent(client: TestClient) -> None:
    query = "query ($id: ID!) { product(id: $id) { id } }"
    response = _get(client, [("query", query), ("variables", '{"id": {"$gt": ""}}')])
    assert response.json()["errors"][0]["message"].startswith("Variable '$id' got invalid value")
    response = _get(client, [("query", "{ __typename }"), ("variables", "null")])
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("parameter", ["query", "operationName", "variables", "extensions"])
def test_a_get_parameter_given_twice_is_refused(client: TestClient, parameter: str) -> None:
    values = {"query": "{ __typename }", "operationName": "A", "variables": "{}",
              "extensions": "{}"}  # fmt: skip
    params = [("query", "query A { __typename }"), (parameter, values[parameter])]
    if parameter != "query":
        params.append((parameter, values[parameter]))
    response = _get(client, params)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error == {
        "message": f"the parameter '{parameter}' appears more than once",
        "extensions": {"code": "BAD_REQUEST"},
    }


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_a_map_of_variables_is_accepted_without_introspection(
    client: TestClient, accept: str
) -> None:
    # graphql-http's audits 28B9 and 2EA1 send a map of variables to __type, which production
    # refuses; the same map to a query on __typename is answered.
    query = "query Type($skip: Boolean!) { __typename @skip(if: $skip) }"
    expected = {"data": {"__typename": "Query"}}
    response = _post(client, {"query": query, "variables": {"skip": False}}, accept)
    assert (response.status_code, response.json()) == (200, expected)
    response = client.get(
        "/graphql",
        params={"query": query, "variables": '{"skip": false}'},
        headers={"accept": accept, **PREFLIGHTED},
    )
    assert (response.status_code, response.json()) == (200, expected)
