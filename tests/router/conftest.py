"""Real subgraph processes for the execution tests, and a router in front of them."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.http.app import create_app
from router.http.config import RouterConfig, SubgraphSettings

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
