"""The attack matrix's rows for the two BFFs with their production defaults (no router runs:
nothing refused here may need one). Login CSRF across browsers and the double checkout run
against the whole system: tests/e2e/test_web_bff.py and tests/subgraphs/orders/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bff_mobile.app import create_app as create_mobile_app
from bff_mobile.settings import MobileSettings
from bff_web.app import create_app as create_web_app
from bff_web.settings import WebSettings
from datastores.testservices.base import free_port

APP = {"x-app-version": "1.4.2", "content-type": "application/json"}


def nowhere() -> str:
    return f"http://127.0.0.1:{free_port()}/graphql"


@pytest.fixture(scope="module")
def web() -> Iterator[TestClient]:
    settings = WebSettings.model_validate(
        {"public_url": "http://testserver", "redis_url": None, "router_url": nowhere()}
    )
    with TestClient(create_web_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def mobile() -> Iterator[TestClient]:
    with TestClient(create_mobile_app(MobileSettings(router_url=nowhere()))) as client:
        yield client


def code(response: object) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])  # type: ignore[attr-defined]


def test_web_a_cross_site_form_post_is_refused(web: TestClient) -> None:
    response = web.post(
        "/graphql",
        content=b'{"query": "mutation { createCart { id } }"}',
        headers={"content-type": "text/plain", "origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert code(response) == "CSRF_REJECTED"


def test_web_a_64_mb_body_is_refused_before_it_is_read(web: TestClient) -> None:
    response = web.post(
        "/graphql",
        content=b"{}",
        headers={"content-length": str(64 * 2**20), "x-shopgraph-csrf": "1",
                 "content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413
    assert code(response) == "REQUEST_TOO_LARGE"


def test_mobile_documents_are_refused_in_production(mobile: TestClient) -> None:
    response = mobile.post("/graphql", json={"query": "{ home { __typename } }"}, headers=APP)
    assert response.status_code == 400
    assert code(response) == "PERSISTED_QUERY_REQUIRED"


def test_mobile_an_unknown_operation_id_is_refused(mobile: TestClient) -> None:
    response = mobile.post("/graphql", json={"id": "0" * 64}, headers=APP)
    assert code(response) == "PERSISTED_QUERY_NOT_FOUND"


def test_mobile_an_oversized_body_is_refused(mobile: TestClient) -> None:
    response = mobile.post("/graphql", content=b'{"id": "' + b"a" * 200_000 + b'"}', headers=APP)
    assert response.status_code == 413


def test_mobile_an_old_or_missing_app_version_is_refused(mobile: TestClient) -> None:
    old = mobile.post("/graphql", json={"id": "0" * 64},
                      headers={**APP, "x-app-version": "0.9.0"})  # fmt: skip
    assert (old.status_code, code(old)) == (426, "UPGRADE_REQUIRED")
    missing = mobile.post("/graphql", json={"id": "0" * 64},
                          headers={"content-type": "application/json"})  # fmt: skip
    assert code(missing) == "APP_VERSION_REQUIRED"
