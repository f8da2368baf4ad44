"""compose.yaml wires every service to stores that it defines, with health-gated start-up."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from datastores.settings import STORE_URL_VARIABLES
from shopgraph.cli import main

ROOT = Path(__file__).resolve().parents[1]
STORES = {"mongo": "mongo:7", "postgres": "postgres:16", "redis": "redis:7"}
APPLICATIONS = {"identity", "products", "orders", "search", "users", "router", "bff-web",
                "bff-mobile"}  # fmt: skip
STORE_OF_VARIABLE = {
    "SHOPGRAPH_POSTGRES_URL": "postgres",
    "SHOPGRAPH_MONGO_URL": "mongo",
    "SHOPGRAPH_ELASTICSEARCH_URL": "elasticsearch",
    "SHOPGRAPH_REDIS_URL": "redis",
}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    result: dict[str, Any] = document["services"]
    return result


def _url_variables(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    return {name: value for name, value in env.items() if name.endswith("_URL")}


def test_real_store_images(services: dict[str, Any]) -> None:
    for name, image in STORES.items():
        assert services[name]["image"] == image
    assert services["elasticsearch"]["image"].rsplit(":", 1)[1].startswith("8.")
    assert services["elasticsearch"]["environment"]["discovery.type"] == "single-node"


def test_every_service_is_present_and_has_a_healthcheck(services: dict[str, Any]) -> None:
    assert set(services) == set(STORES) | {"elasticsearch"} | APPLICATIONS
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_applications_share_one_image_and_run_a_real_command(services: dict[str, Any]) -> None:
    builds = {str(services[name]["build"]) for name in APPLICATIONS}
    assert builds == {"."}
    assert (ROOT / "Dockerfile").exists()
    for name in APPLICATIONS:
        command = services[name]["command"][0]
        assert command in main.commands, f"{name} runs unknown command {command!r}"


def test_store_urls_point_at_defined_services(services: dict[str, Any]) -> None:
    seen = set()
    for name in APPLICATIONS:
        for variable, url in _url_variables(services[name]).items():
            host = urlsplit(url).hostname
            assert host in services, f"{name}: {variable}={url} names no service"
            depends = services[name].get("depends_on", {})
            if variable in STORE_URL_VARIABLES:
                seen.add(variable)
                assert host == STORE_OF_VARIABLE[variable], f"{name}: {variable} -> {host}"
                assert depends[host] == {"condition": "service_healthy"}, (
                    f"{name} must wait for {host} to be healthy"
                )
    assert seen == set(STORE_URL_VARIABLES)


def test_stores_publish_ports_on_loopback_only(services: dict[str, Any]) -> None:
    for store in (*STORES, "elasticsearch"):
        for port in services[store].get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{store} publishes {port}"


def test_the_router_config_reaches_subgraphs_by_service_name(services: dict[str, Any]) -> None:
    from router.http.config import load_config

    command = services["router"]["command"]
    config = load_config(ROOT / command[command.index("--config") + 1], {})
    for name, settings in config.subgraphs.items():
        assert settings.url is not None
        assert urlsplit(settings.url).hostname == name
        assert name in services["router"]["depends_on"]
