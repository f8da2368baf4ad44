"""Real subgraph processes for the execution tests, and a router in front of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.http.app import create_app
from router.http.config import ENV_PREFIX, RouterConfig, SubgraphSettings

ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH = ROOT / "tests" / "fixtures" / "supergraphs" / "shop_live.graphql"
NAMES = ("products", "reviews", "users")


class Subgraphs:
    """The running subgraph processes: their URLs, and the requests each has received."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls

    def url(self, name: str) -> str:
        return f"{self.urls[name]}/graphql"

    def requests(self, name: str) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = httpx.get(f"{self.urls[name]}/requests").json()
        return log

    def forget(self) -> None:
        for url in self.urls.values():
            httpx.delete(f"{url}/requests")


@pytest.fixture(scope="session")
def subgraphs() -> Iterator[Subgraphs]:
    with serve_subgraphs(NAMES) as running:
        yield running


@contextmanager
def serve_subgraphs(names: tuple[str, ...]) -> Iterator[Subgraphs]:
    """Start the test subgraphs ``names`` (see :mod:`tests.router.subgraphs`) on free ports."""
    processes: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    try:
        for name in names:
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.router.subgraphs", name, str(port)], cwd=ROOT
                )
            )
            urls[name] = f"http://127.0.0.1:{port}"
        for name, url in urls.items():
            _wait_for(f"{url}/health", name)
        yield Subgraphs(urls)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


def _wait_for(url: str, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"test subgraph {name} did not start at {url}")


WITH_MUTATION = """
type Mutation
  @join__type(graph: PRODUCTS)
{
  slowWrite(seconds: Float! = 0.5): String! @join__field(graph: PRODUCTS)
}
"""


@pytest.fixture
def supergraph_with_mutation(tmp_path: Path) -> Path:
    """``shop_live.graphql`` with the products subgraph's ``slowWrite`` mutation."""
    path = tmp_path / "supergraph.graphql"
    text = SUPERGRAPH.read_text().replace(
        "  query: Query\n", "  query: Query\n  mutation: Mutation\n"
    )
    path.write_text(text + WITH_MUTATION)
    return path


def router_config(
    running: Subgraphs, overrides: dict[str, SubgraphSettings] | None = None, **options: Any
) -> RouterConfig:
    settings = {name: SubgraphSettings(url=running.url(name)) for name in NAMES}
    settings.update(overrides or {})
    return RouterConfig(subgraphs=settings, **options)


@pytest.fixture
def router(subgraphs: Subgraphs) -> Iterator[TestClient]:
    subgraphs.forget()
    app = create_app(router_config(subgraphs), supergraph_path=SUPERGRAPH)
    with TestClient(app) as client:
        yield client


def router_process(config: dict[str, Any], directory: Path) -> Generator[str, None, None]:
    """A router process on ``shop_live.graphql`` with ``config`` (as its YAML file in
    ``directory``) and production defaults otherwise; yields its GraphQL URL once ready."""
    config_file = directory / "router.yaml"
    config_file.write_text(yaml.safe_dump(config))
    port = free_port()
    # Production defaults: nothing from this environment's SHOPGRAPH_ROUTER__* overrides.
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    process = subprocess.Popen(
        [sys.executable, "-m", "router.http.serve", "--supergraph", str(SUPERGRAPH),
         "--config", str(config_file), "--port", str(port)],
        cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the router did not start at {url}")
            time.sleep(0.1)
        yield f"{url}/graphql"
    finally:
        process.terminate()
        process.wait(10)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
