"""The processes of a campaign: the generic subgraphs, Apollo's gateway, and our router.

The subgraphs run as one real process (``subgraph_server.py``) on a free loopback port, every
fixture's ``@apollo/gateway`` in one Node process (``gateway.mjs``), each on its own port, and
our router in process, one app per fixture, as ``tests/router/conftest.py`` runs it.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.http.app import create_app
from router.http.config import (
    DemandControlSettings,
    LimitSettings,
    RouterConfig,
    SubgraphErrorSettings,
    SubgraphSettings,
)
from router.supergraph import load_supergraph
from tests.differential.subgraph_data import Rates
from tests.differential.supergraphs import Fixture
from tests.schema.reference import install_reference

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GATEWAY_SCRIPT = HERE / "gateway.mjs"
START_TIMEOUT_SECONDS = 120
REQUEST_TIMEOUT_SECONDS = 30


class GatewayError(RuntimeError):
    """A process of the campaign did not start or stopped."""


class Gateways:
    """Everything a campaign runs, started on entry and stopped on exit."""

    def __init__(self, fixtures: list[Fixture], seed: int, rates: Rates | None = None) -> None:
        self.fixtures = {fixture.name: fixture for fixture in fixtures}
        self.seed = seed
        self.rates = rates or Rates()
        self._stack = contextlib.ExitStack()
        self._workdir = Path(tempfile.mkdtemp(prefix="shopgraph-differential-"))
        self.subgraphs_url = ""
        self.apollo_urls: dict[str, str] = {}
        self.apollo_errors: dict[str, str] = {}
        self.routers: dict[str, TestClient] = {}
        self.http = httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS)

    def __enter__(self) -> Gateways:
        try:
            self._start_subgraphs()
            self._start_apollo()
            for name in self.fixtures:
                self.routers[name] = self._stack.enter_context(TestClient(self._router(name)))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()
        self.http.close()

    def subgraph_url(self, fixture: str, subgraph: str) -> str:
        return f"{self.subgraphs_url}/{fixture}/{subgraph}/graphql"

    def urls(self, fixture: str) -> dict[str, str]:
        return {
            s.name: self.subgraph_url(fixture, s.name) for s in self.fixtures[fixture].subgraphs
        }

    def ours(self, fixture: str, body: dict[str, Any]) -> Any:
        response = self.routers[fixture].post("/graphql", json=body)
        return response.json()

    def apollo(self, fixture: str, body: dict[str, Any]) -> Any:
        response = self.http.post(self.apollo_urls[fixture], json=body)
        return response.json()

    def subgraph_requests(self) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = self.http.get(f"{self.subgraphs_url}/requests").json()
        return log

    def forget_subgraph_requests(self) -> None:
        self.http.delete(f"{self.subgraphs_url}/requests")

    def _start_subgraphs(self) -> None:
        manifest = {
            "seed": self.seed,
            "rates": asdict(self.rates),
            "fixtures": {
                f.name: {
                    "supergraph": f.supergraph_sdl,
                    "subgraphs": {s.name: s.sdl for s in f.subgraphs},
                }
                for f in self.fixtures.values()
            },
        }
        path = self._workdir / "manifest.json"
        path.write_text(json.dumps(manifest))
        port = free_port()
        command = [sys.executable, "-m", "tests.differential.subgraph_server", str(path), str(port)]
        self._spawn(command, "subgraphs")
        self.subgraphs_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if self.http.get(f"{self.subgraphs_url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise GatewayError(f"the subgraph server did not start; see {self._workdir}")

    def _start_apollo(self) -> None:
        packages = install_reference()
        specs = [
            {"name": name, "supergraphSdl": f.supergraph_sdl, "urls": self.urls(name)}
            for name, f in self.fixtures.items()
        ]
        process = self._spawn(
            ["node", str(GATEWAY_SCRIPT), str(packages)], "apollo", stdin=subprocess.PIPE
        )
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps({"gateways": specs}).encode())
        process.stdin.close()
        line = process.stdout.readline()
        if not line:
            log = (self._workdir / "apollo.log").read_text()[-4000:]
            raise GatewayError(f"@apollo/gateway did not start:\n{log}")
        for name, answer in json.loads(line).items():
            if "url" in answer:
                self.apollo_urls[name] = answer["url"]
            else:
                self.apollo_errors[name] = answer["error"]

    def _spawn(
        self, command: list[str], name: str, stdin: int | None = None
    ) -> subprocess.Popen[bytes]:
        log = self._stack.enter_context((self._workdir / f"{name}.log").open("wb"))
        stdout = subprocess.PIPE if stdin is not None else log
        process = subprocess.Popen(command, cwd=REPO, stdin=stdin, stdout=stdout, stderr=log)
        self._stack.callback(_stop, process)
        return process

    def _router(self, fixture: str) -> Any:
        config = RouterConfig(
            subgraphs={name: SubgraphSettings(url=url) for name, url in self.urls(fixture).items()},
            demand_control=DemandControlSettings(enabled=False),
            # The router shares this process with the fuzzer, whose garbage collections can
            # land in a preparation thread: no CPU budget, the run compares answers only.
            limits=LimitSettings(cpu_budget_ms=0),
            subgraph_errors=SubgraphErrorSettings(include_messages=True),
            hot_reload=False,
        )
        supergraph = load_supergraph(self.fixtures[fixture].supergraph_sdl)
        return create_app(config, supergraph=supergraph)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    if process.stdout is not None:
        process.stdout.close()
