"""The mobile BFF's calls to the router, against a stand-in router on a real port: a query
operation goes once more after a connection error or a 502/503/504, a mutation never; calls
are bounded in time; a router that cannot be reached is ROUTER_UNAVAILABLE. And its
``/health/ready``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from bff_mobile.app import create_app
from bff_mobile.errors import MobileError
from bff_mobile.operations import load_router_operations
from bff_mobile.router_client import RouterClient
from bff_mobile.settings import MobileSettings
from datastores.testservices.base import free_port
from tests.bff_mobile.app_client import APP_VERSION, persisted
from tests.bff_web.fake_router import DATA, FakeRouter, running

OPERATIONS = load_router_operations()


@pytest.fixture
def router() -> Iterator[FakeRouter]:
    with running(FakeRouter()) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10, connect=2)) as client:
        yield client


def client(http: httpx.AsyncClient, url: str, timeout_seconds: float = 10.0) -> RouterClient:
    return RouterClient(http, url, OPERATIONS, timeout_seconds=timeout_seconds,
                        retry_backoff_seconds=0.01)  # fmt: skip


def test_the_client_knows_which_operations_are_queries(http: httpx.AsyncClient) -> None:
    queries = client(http, "http://unused/graphql").queries
    assert {"MobileHome", "MobileCart", "MobileSearch"} <= queries
    assert not {"MobileCreateCart", "MobileAddToCart", "MobilePlaceOrder"} & queries


@pytest.mark.parametrize("failure", [502, 503, 504, "drop"])
async def test_a_query_goes_once_more_and_gets_its_answer(
    router: FakeRouter, http: httpx.AsyncClient, failure: Any
) -> None:
    router.failures, router.failure = 1, failure
    assert await client(http, router.url).run("MobileHome", {"featured": 4}) == DATA
    assert router.hits == 2
    assert router.bodies[0] == router.bodies[1]


async def test_a_query_goes_once_more_only(router: FakeRouter, http: httpx.AsyncClient) -> None:
    router.failures = 5
    with pytest.raises(MobileError, match="answered 503 without a GraphQL body") as raised:
        await client(http, router.url).run("MobileHome", {"featured": 4})
    assert raised.value.code == "ROUTER_UNAVAILABLE"
    assert router.hits == 2


@pytest.mark.parametrize("failure", [503, "drop"])
async def test_a_mutation_never_goes_twice(
    router: FakeRouter, http: httpx.AsyncClient, failure: Any
) -> None:
    router.failures, router.failure = 1, failure
    with pytest.raises(MobileError) as raised:
        await client(http, router.url).run("MobilePlaceOrder", {"input": {}})
    assert raised.value.code == "ROUTER_UNAVAILABLE"
    assert router.hits == 1


async def test_a_slow_router_is_cut_off_and_not_asked_again(
    router: FakeRouter, http: httpx.AsyncClient
) -> None:
    router.delay_seconds = 10
    started = time.monotonic()
    with pytest.raises(MobileError, match="did not answer in time") as raised:
        await client(http, router.url, timeout_seconds=0.5).run("MobileHome", {"featured": 4})
    assert time.monotonic() - started < 5
    assert raised.value.code == "ROUTER_UNAVAILABLE"
    assert router.hits == 1


def test_a_router_that_cannot_be_reached_is_router_unavailable_at_once() -> None:
    settings = MobileSettings(router_url=f"http://127.0.0.1:{free_port()}/graphql",
                              router_retry_backoff_seconds=0.01)  # fmt: skip
    started = time.monotonic()
    with TestClient(create_app(settings), headers=APP_VERSION) as app:
        response = app.post("/graphql", json=persisted("Home"))
    assert time.monotonic() - started < 5
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "ROUTER_UNAVAILABLE"}


def test_router_call_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = MobileSettings()
    assert (defaults.router_timeout_seconds, defaults.router_connect_timeout_seconds) == (10, 2)
    assert (defaults.router_max_connections, defaults.router_max_keepalive_connections) == (
        100, 20,
    )  # fmt: skip
    monkeypatch.setenv("SHOPGRAPH_BFF_MOBILE_ROUTER_CONNECT_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("SHOPGRAPH_BFF_MOBILE_ROUTER_RETRY_BACKOFF_SECONDS", "0")
    changed = MobileSettings()
    assert (changed.router_connect_timeout_seconds, changed.router_retry_backoff_seconds) == (
        0.5, 0,
    )  # fmt: skip


def ready(router_url: str) -> Response:
    with TestClient(create_app(MobileSettings(router_url=router_url))) as app:
        return app.get("/health/ready")


def test_ready_with_the_router(router: FakeRouter) -> None:
    response = ready(router.url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "UP"
    assert list(body["checks"]) == ["router"]
    assert body["checks"]["router"]["status"] == "UP"


def test_not_ready_without_the_router() -> None:
    response = ready(f"http://127.0.0.1:{free_port()}/graphql")
    assert response.status_code == 503
    assert response.json()["status"] == "DOWN"
    assert response.json()["checks"]["router"]["error"].startswith("ConnectError: ")


def test_not_ready_before_it_has_started() -> None:
    app = TestClient(create_app(MobileSettings(router_url="http://127.0.0.1:9/graphql")))
    response = app.get("/health/ready")  # outside ``with``: the lifespan has not run
    assert response.status_code == 503
    assert response.json() == {"status": "DOWN", "checks": {}}
