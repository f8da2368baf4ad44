"""One trace from the web BFF down to a SQL statement, across real processes.

The web BFF, the router and two subgraphs run as their own processes (as in production),
each exporting its spans over OTLP/HTTP to a collector this test runs; the stores are the
test servers'.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support.stack import ROOT, stores_on_test_servers

pytestmark = [pytest.mark.postgres, pytest.mark.mongo, pytest.mark.elasticsearch,
              pytest.mark.redis]  # fmt: skip

OFFSET = 27500  # dev ports 30500-31600: apart from the suite's other stacks


class Collector:
    """An OTLP/HTTP traces receiver: every span exported to it, with its service's name."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                request = ExportTraceServiceRequest.FromString(body)
                collector.add(request)
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, request: ExportTraceServiceRequest) -> None:
        with self.lock:
            for resource_spans in request.resource_spans:
                resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        attributes = {a.key: _value(a.value) for a in span.attributes}
                        self.spans.append({
                            "service": resource.get("service.name"), "name": span.name,
                            "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                            "parent_id": span.parent_span_id.hex(), "attributes": attributes,
                        })  # fmt: skip

    def trace(self, trace_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.spans if s["trace_id"] == trace_id]


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


@pytest.fixture
def collector() -> Iterator[Collector]:
    running = Collector()
    yield running
    running.server.shutdown()
    running.server.server_close()


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "shopgraph.cli", *args], cwd=ROOT, env=env,
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _wait_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


def test_a_request_through_the_web_bff_is_one_trace_down_to_sql(
    tmp_path: Path, collector: Collector, postgres_url: str, mongo_url: str,
    elasticsearch_url: str, redis_url: str,
) -> None:  # fmt: skip
    router_port = 4000 + OFFSET
    with stores_on_test_servers(
        postgres_url, mongo_url, elasticsearch_url, redis_url, redis_db=6
    ) as stores:
        env = {
            **os.environ, **stores, "SHOPGRAPH_DEV_PORT_OFFSET": str(OFFSET),
            "SHOPGRAPH_DATA_DIR": str(tmp_path), "SHOPGRAPH_TRACES_EXPORTER": "otlp",
            "SHOPGRAPH_TRACES_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "200",
            "SHOPGRAPH_ROUTER_URL": f"http://127.0.0.1:{router_port}/graphql",
        }  # fmt: skip
        seeded = subprocess.run(
            [sys.executable, "-m", "shopgraph.cli", "seed", "--products", "20"], cwd=ROOT,
            env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        config = tmp_path / "router.yaml"
        ports = {"products": 4001, "orders": 4002, "search": 4003, "users": 4004}
        urls = [f"  {name}:\n    url: http://127.0.0.1:{port + OFFSET}/graphql\n"
                for name, port in ports.items()]  # fmt: skip
        config.write_text(f"port: {router_port}\nworkers: 1\nsubgraphs:\n" + "".join(urls))
        commands = {
            "products": (["subgraph", "products"], 4001 + OFFSET),
            "orders": (["subgraph", "orders"], 4002 + OFFSET),
            "router": (["router", "--supergraph", "schema/supergraph.graphql", "--config",
                        str(config), "--port", str(router_port)], router_port),
            "bff_web": (["bff", "web"], 3000 + OFFSET),
        }  # fmt: skip
        processes: list[subprocess.Popen[bytes]] = []
        try:
            for name, (args, port) in commands.items():
                log = tmp_path / f"{name}.log"
                process = _start(args, env, log)
                processes.append(process)
                _wait_up(f"http://127.0.0.1:{port}/health", process, log)
            answer = httpx.post(
                f"http://127.0.0.1:{3000 + OFFSET}/graphql",
                json={"query": 'query ProductPage { product(id: "p-0001") '
                               "{ name stock { available } } }"},
                headers={"x-shopgraph-csrf": "1"}, timeout=30,
            )  # fmt: skip
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"]["product"]["stock"]["available"] >= 0
            spans = _the_request_trace(collector)
        finally:
            for process in processes:
                process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
    by_id = {s["span_id"]: s for s in spans}
    services = {s["service"] for s in spans}
    assert {"bff_web", "router", "products", "orders"} <= services
    sql = [s for s in spans if s["attributes"].get("db.system.name") == "postgresql"]
    assert sql, sorted((s["service"], s["name"]) for s in spans)
    # Every span's parent is in the trace (one connected tree), down from the BFF's request.
    chain = [sql[0]]
    while chain[-1]["parent_id"]:
        chain.append(by_id[chain[-1]["parent_id"]])
    assert chain[-1]["service"] == "bff_web"
    path = [s["service"] for s in reversed(chain)]
    assert path.index("bff_web") < path.index("router") < path.index("orders")
    names = {s["name"] for s in spans if s["service"] == "router"}
    assert {"query ProductPage", "graphql.parse", "graphql.validate", "graphql.plan",
            "graphql.merge", "POST orders", "POST products"} <= names  # fmt: skip


def _the_request_trace(collector: Collector) -> list[dict[str, Any]]:
    """The spans of the trace the BFF's request started, once the router's and the
    subgraphs' spans have all arrived."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        roots = [s for s in collector.spans if s["service"] == "bff_web" and not s["parent_id"]
                 and s["attributes"].get("url.path") == "/graphql"]  # fmt: skip
        for root in roots:
            spans = collector.trace(root["trace_id"])
            if any(s["attributes"].get("db.system.name") == "postgresql" for s in spans):
                time.sleep(0.5)  # the last batches
                return collector.trace(root["trace_id"])
        time.sleep(0.2)
    seen = [
        (s["service"], s["name"], s["trace_id"][:6], s["parent_id"][:4], s["attributes"])
        for s in collector.spans
    ]
    raise AssertionError(f"no complete trace: {seen}")
