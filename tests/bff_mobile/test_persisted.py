"""Persisted operations: the app sends ids; documents only in development mode."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from bff_mobile.persisted import APP_OPERATIONS_DIR, PersistedOperationError, PersistedOperations
from bff_mobile.schema import build_schema
from tests.bff_mobile.app_client import MANIFEST, document, persisted

UNKNOWN_ID = "0" * 64


def test_an_operation_id_is_the_sha256_of_its_file() -> None:
    files = sorted(APP_OPERATIONS_DIR.glob("*.graphql"))
    assert {p.stem for p in files} == set(MANIFEST)
    for path in files:
        assert MANIFEST[path.stem] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_app_operation_files_are_checked_against_the_mobile_schema(tmp_path: Path) -> None:
    (tmp_path / "Home.graphql").write_text("query Home { home { nope } }")
    with pytest.raises(PersistedOperationError, match=r"Home\.graphql: Cannot query field 'nope'"):
        PersistedOperations.load(build_schema(), tmp_path)
    (tmp_path / "Home.graphql").write_text("query Start { home { featuredCategories { id } } }")
    with pytest.raises(PersistedOperationError, match="named Home"):
        PersistedOperations.load(build_schema(), tmp_path)


def test_production_runs_operations_by_id(production: TestClient) -> None:
    response = production.post("/graphql", json=persisted("Product", id="p-0002", pixelDensity=2))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["product"]["name"] == "Barista Espresso Machine"


def test_production_takes_apollo_persisted_query_hashes(production: TestClient) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": MANIFEST["Home"]}}
    posted = production.post("/graphql", json={"extensions": extensions})
    assert posted.status_code == 200, posted.text
    assert posted.json()["data"]["home"]["featuredProducts"]
    got = production.get("/graphql", params={"extensions": orjson.dumps(extensions).decode()})
    assert got.status_code == 200
    assert got.json() == posted.json()


def test_production_refuses_documents(production: TestClient) -> None:
    for body in ({"query": document("Home")}, {"query": document("Home"), "id": MANIFEST["Home"]}):
        response = production.post("/graphql", json=body)
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "PERSISTED_QUERY_REQUIRED"}
    got = production.get("/graphql", params={"query": "{ home { featuredCategories { id } } }"})
    assert got.status_code == 400
    assert _code(got) == "PERSISTED_QUERY_REQUIRED"


def test_an_unknown_id_is_not_found_in_either_mode(
    production: TestClient, mobile: httpx.Client
) -> None:
    for response in (
        production.post("/graphql", json={"id": UNKNOWN_ID}),
        mobile.post("/graphql", json={"id": UNKNOWN_ID}),
        mobile.get("/graphql", params={"id": UNKNOWN_ID}),
    ):
        assert response.status_code == 400
        assert _code(response) == "PERSISTED_QUERY_NOT_FOUND"


def test_development_runs_documents_and_ids(mobile: httpx.Client) -> None:
    by_id = mobile.post("/graphql", json=persisted("Home"))
    by_document = mobile.post("/graphql", json={"query": document("Home")})
    assert by_id.status_code == by_document.status_code == 200
    assert by_id.json() == by_document.json()
    both = mobile.post("/graphql", json={"query": document("Home"), "id": MANIFEST["Home"]})
    assert both.json() == by_id.json()
    adhoc = mobile.post("/graphql", json={"query": "{ home { featuredCategories { slug } } }"})
    assert {"slug": "kitchen"} in adhoc.json()["data"]["home"]["featuredCategories"]


def test_a_document_must_match_the_id_sent_with_it(mobile: httpx.Client) -> None:
    response = mobile.post("/graphql", json={"query": document("Home"), "id": MANIFEST["Cart"]})
    assert response.status_code == 400
    assert _code(response) == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "BAD_REQUEST"),
        ({"id": 7}, "BAD_REQUEST"),
        ({"id": MANIFEST["Home"], "variables": [1]}, "BAD_REQUEST"),
        ({"id": MANIFEST["Home"], "operationName": "Cart"}, "BAD_REQUEST"),
        ({"query": "{ home { "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ home { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"id": MANIFEST["Product"], "variables": {"id": "p-0002"}}, "BAD_USER_INPUT"),
    ],
)
def test_malformed_requests_are_refused_with_a_code(
    mobile: httpx.Client, body: dict[str, Any], code: str
) -> None:
    response = mobile.post("/graphql", json=body)
    assert response.status_code == 400, response.text
    assert _code(response) == code


def test_only_json_bodies_are_read(mobile: httpx.Client) -> None:
    response = mobile.post(
        "/graphql",
        content=b"{ home { featuredCategories { id } } }",
        headers={"content-type": "application/graphql"},
    )
    assert response.status_code == 415
    assert _code(response) == "BAD_REQUEST"


class _Answer(Protocol):
    def json(self) -> Any: ...


def _code(response: _Answer) -> str:
    [error] = response.json()["errors"]
    code: str = error["extensions"]["code"]
    return code
