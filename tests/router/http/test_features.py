"""Health, readiness, introspection and playground switches, CORS, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import ConfigError, CorsSettings, RouterConfig, load_config
from router.http.graphiql import ASSETS, ASSETS_DIR
from tests.router.planning.plans import FIXTURES

SUPERGRAPH = FIXTURES / "entities.graphql"
INTROSPECTION = "{ __schema { queryType { name } } }"


def test_health_and_readiness() -> None:
    with TestClient(create_app(RouterConfig(), supergraph_path=SUPERGRAPH)) as client:
        assert client.get("/health").json() == {"status": "UP"}
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["status"] == "UP"


def test_not_ready_when_the_supergraph_does_not_load(tmp_path: Path) -> None:
    broken = tmp_path / "supergraph.graphql"
    broken.write_text("type Query {")
    with TestClient(create_app(RouterConfig(), supergraph_path=broken)) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert "does not parse" in ready.json()["reason"]
        assert client.get("/health").status_code == 200
        assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 503


def test_introspection_is_off_by_default() -> None:
    with TestClient(create_app(RouterConfig(), supergraph_path=SUPERGRAPH)) as client:
        body = client.post("/graphql", json={"query": INTROSPECTION}).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in body["errors"][0]["message"].lower()


def test_introspection_when_enabled() -> None:
    config = RouterConfig(introspection=True)
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        body = client.post("/graphql", json={"query": INTROSPECTION}).json()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_the_playground_is_off_by_default() -> None:
    with TestClient(create_app(RouterConfig(), supergraph_path=SUPERGRAPH)) as client:
        response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


def test_the_playground_page_and_its_local_assets() -> None:
    config = RouterConfig(playground=True)
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "GraphiQL" in page.text
        assert "https://" not in page.text  # nothing from a CDN
        for name in ASSETS:
            asset = client.get(f"/graphiql/assets/{name}")
            assert asset.status_code == 200, (name, ASSETS_DIR)
            assert len(asset.content) > 1000
        assert client.get("/graphiql/assets/secrets.txt").status_code == 404


def test_cors_allows_only_configured_origins() -> None:
    config = RouterConfig(cors=CorsSettings(allow_origins=["https://shop.example"]))
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        allowed = client.options(
            "/graphql",
            headers={"origin": "https://shop.example", "access-control-request-method": "POST"},
        )
        refused = client.options(
            "/graphql",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in refused.headers


def test_config_from_yaml_with_environment_overrides(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text("port: 4500\nsubgraphs:\n  products:\n    timeout_seconds: 2\n")
    config = load_config(
        path, {"SHOPGRAPH_ROUTER__INTROSPECTION": "true", "SHOPGRAPH_ROUTER__PORT": "4600"}
    )
    assert (config.port, config.introspection) == (4600, True)
    assert config.subgraph("products").timeout_seconds == 2
    assert config.subgraph("users").timeout_seconds == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: -1\n", "port"),
        ("no_such_option: 1\n", "no_such_option"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, {})
