"""The web BFF's calls to the router, against a stand-in router on a real port: a query goes
once more after a connection error or a 502/503/504, a mutation never; calls are bounded in
time; a router that cannot be reached is ROUTER_UNAVAILABLE. And its ``/health/ready``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from bff_web.app import MAX_TOKENS, create_app
from bff_web.settings import WebSettings
from datastores.testservices.base import free_port
from tests.bff_web.fake_router import DATA, FakeRouter, running

CSRF = {"x-shopgraph-csrf": "1", "content-type": "application/json"}
QUERY = {"query": "{ categories { id } }"}
MUTATION = {"query": "mutation { createCart { id } }"}


def settings(router_url: str, **changes: object) -> WebSettings:
    values: dict[str, object] = {
        "public_url": "http://testserver", "cookie_secure": False, "redis_url": None,
        "router_url": router_url, "router_retry_backoff_seconds": 0.01, **changes,
    }  # fmt: skip
    return WebSettings.model_validate(values)


@pytest.fixture
def router() -> Iterator[FakeRouter]:
    with running(FakeRouter()) as fake:
        yield fake


def post(router_url: str, payload: dict[str, Any], **changes: object) -> Response:
    with TestClient(create_app(settings(router_url, **changes))) as web:
        return web.post("/graphql", json=payload, headers=CSRF)


def code(response: Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.mark.parametrize("failure", [502, 503, 504, "drop"])
def test_a_query_goes_once_more_and_gets_its_answer(router: FakeRouter, failure: Any) -> None:
    router.failures, router.failure = 1, failure
    response = post(router.url, QUERY)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": DATA}
    assert router.hits == 2
    assert router.bodies[0] == router.bodies[1] == QUERY


def test_a_query_goes_once_more_only(router: FakeRouter) -> None:
    router.failures = 5
    response = post(router.url, QUERY)
    assert (response.status_code, code(response)) == (502, "ROUTER_UNAVAILABLE")
    assert response.json()["errors"][0]["message"] == "the router answered 503"
    assert router.hits == 2


@pytest.mark.parametrize("failure", [503, "drop"])
def test_a_mutation_never_goes_twice(router: FakeRouter, failure: Any) -> None:
    router.failures, router.failure = 1, failure
    response = post(router.url, MUTATION)
    assert (response.status_code, code(response)) == (502, "ROUTER_UNAVAILABLE")
    assert router.hits == 1


def test_a_document_too_large_to_parse_is_not_taken_for_a_query(router: FakeRouter) -> None:
    router.failures = 1
    document = "{ " + "id " * (MAX_TOKENS + 1) + "}"
    response = post(router.url, {"query": document})
    assert (response.status_code, code(response)) == (502, "ROUTER_UNAVAILABLE")
    assert router.hits == 1


def test_a_router_that_cannot_be_reached_is_router_unavailable_at_once() -> None:
    started = time.monotonic()
    response = post(f"http://127.0.0.1:{free_port()}/graphql", QUERY)
    assert time.monotonic() - started < 5
    assert (response.status_code, code(response)) == (502, "ROUTER_UNAVAILABLE")
    assert response.json()["errors"][0]["message"] == "the router cannot be reached: ConnectError"


def test_a_slow_router_is_cut_off_and_not_asked_again(router: FakeRouter) -> None:
    router.delay_seconds = 10
    started = time.monotonic()
    response = post(router.url, QUERY, router_timeout_seconds=0.5)
    assert time.monotonic() - started < 5
    assert (response.status_code, code(response)) == (504, "ROUTER_UNAVAILABLE")
    assert response.json()["errors"][0]["message"] == "the router did not answer in time"
    assert router.hits == 1


def test_router_call_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = WebSettings()
    assert (defaults.router_timeout_seconds, defaults.router_connect_timeout_seconds) == (10, 2)
    assert (defaults.router_max_connections, defaults.router_max_keepalive_connections) == (
        100, 20,
    )  # fmt: skip
    assert (defaults.redis_timeout_seconds, defaults.redis_connect_timeout_seconds) == (5, 2)
    monkeypatch.setenv("SHOPGRAPH_BFF_WEB_ROUTER_TIMEOUT_SECONDS", "3.5")
    monkeypatch.setenv("SHOPGRAPH_BFF_WEB_ROUTER_MAX_CONNECTIONS", "7")
    monkeypatch.setenv("SHOPGRAPH_REDIS_TIMEOUT_SECONDS", "1.5")  # the subgraphs' setting too
    changed = WebSettings()
    assert (changed.router_timeout_seconds, changed.router_max_connections) == (3.5, 7)
    assert changed.redis_timeout_seconds == 1.5


def ready(router_url: str, **changes: object) -> Response:
    with TestClient(create_app(settings(router_url, **changes))) as web:
        return web.get("/health/ready")


def test_ready_with_its_session_store_and_the_router(router: FakeRouter) -> None:
    response = ready(router.url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "UP"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "redis": "UP", "router": "UP",
    }  # fmt: skip


@pytest.mark.redis
def test_ready_on_the_redis_test_server(router: FakeRouter, redis_url: str) -> None:
    assert ready(router.url, redis_url=redis_url).json()["status"] == "UP"


def test_not_ready_without_the_router() -> None:
    response = ready(f"http://127.0.0.1:{free_port()}/graphql")
    assert response.status_code == 503
    router = response.json()["checks"]["router"]
    assert router["status"] == "DOWN"
    assert router["error"].startswith("ConnectError: ")


def test_not_ready_while_the_router_is_not(router: FakeRouter) -> None:
    router.health_status = 503
    response = ready(router.url)
    assert response.status_code == 503
    assert response.json()["checks"]["router"]["error"] == (
        "RouterNotReadyError: GET /health answered 503"
    )


def test_not_ready_without_its_session_store(router: FakeRouter) -> None:
    response = ready(router.url, redis_url=f"redis://:s3cret@127.0.0.1:{free_port()}/0")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["router"]["status"] == "UP"
    assert body["checks"]["redis"]["status"] == "DOWN"
    assert body["checks"]["redis"]["error"].startswith("ConnectionError: ")
    assert "s3cret" not in response.text
