"""The app itself: health, settings, and a router that cannot be reached."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError
from starlette.testclient import TestClient

from bff_mobile.app import create_app
from bff_mobile.settings import MobileSettings
from datastores.testservices.base import free_port
from tests.bff_mobile.app_client import APP_VERSION, persisted
from tests.support.stack import Stack


def test_health(stack: Stack) -> None:
    response = httpx.get(f"{stack.url('bff_mobile')}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "UP"}


def test_the_defaults_fit_shopgraph_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SHOPGRAPH_DEV_PORT_OFFSET",
        "SHOPGRAPH_ROUTER_URL",
        "SHOPGRAPH_BFF_MOBILE_ROUTER_URL",
        "SHOPGRAPH_BFF_MOBILE_MODE",
        "SHOPGRAPH_BFF_MOBILE_MIN_APP_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = MobileSettings()
    assert settings.router_url == "http://127.0.0.1:4000/graphql"
    assert settings.mode == "production"  # safe by default: persisted operations only
    assert str(settings.minimum_version) == "1.0.0"
    monkeypatch.setenv("SHOPGRAPH_DEV_PORT_OFFSET", "500")
    assert MobileSettings().router_url == "http://127.0.0.1:4500/graphql"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPGRAPH_BFF_MOBILE_MODE", "production")
    monkeypatch.setenv("SHOPGRAPH_BFF_MOBILE_MIN_APP_VERSION", "2.1.0")
    monkeypatch.setenv("SHOPGRAPH_BFF_MOBILE_ROUTER_URL", "http://router:4000/graphql")
    settings = MobileSettings()
    assert settings.production
    assert str(settings.minimum_version) == "2.1.0"
    assert settings.router_url == "http://router:4000/graphql"


def test_the_router_url_shared_by_the_bffs_is_read_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPGRAPH_BFF_MOBILE_ROUTER_URL", raising=False)
    monkeypatch.setenv("SHOPGRAPH_ROUTER_URL", "http://router:4000/graphql")
    assert MobileSettings().router_url == "http://router:4000/graphql"
    monkeypatch.setenv("SHOPGRAPH_BFF_MOBILE_ROUTER_URL", "http://mobile-router/graphql")
    assert MobileSettings().router_url == "http://mobile-router/graphql"
    assert MobileSettings(router_url="http://given/graphql").router_url == "http://given/graphql"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="not a semantic version"):
        MobileSettings(min_app_version="2.1")
    with pytest.raises(ValidationError, match="mode"):
        MobileSettings(mode="staging")


def test_a_router_that_cannot_be_reached_is_reported() -> None:
    settings = MobileSettings(router_url=f"http://127.0.0.1:{free_port()}/graphql")
    with TestClient(create_app(settings), headers=APP_VERSION) as client:
        response = client.post("/graphql", json=persisted("Home"))
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error == {
        "message": "the router cannot be reached",
        "path": ["home"],
        "locations": [{"line": 2, "column": 3}],
        "extensions": {"code": "ROUTER_UNAVAILABLE"},
    }
    assert response.headers["cache-control"] == "no-store"
