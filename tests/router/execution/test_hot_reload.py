"""The router follows its supergraph file; requests in flight finish on the old one."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from router.http.app import create_app
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

WITH_SLOW = "  slow(seconds: Float! = 0.5): String! @join__field(graph: PRODUCTS)\n"


def _wait_for_digest_change(client: TestClient, old: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        digest = str(client.get("/health/ready").json()["supergraph"])
        if digest != old:
            return digest
        time.sleep(0.05)
    raise AssertionError("the router did not reload its supergraph")


def test_reload_on_change_keeps_in_flight_requests_and_survives_a_broken_file(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    path = tmp_path / "supergraph.graphql"
    shutil.copy(SUPERGRAPH, path)
    app = create_app(router_config(subgraphs), supergraph_path=path)
    with TestClient(app) as client:
        first = str(client.get("/health/ready").json()["supergraph"])
        slow: dict[str, Any] = {}

        def slow_request() -> None:
            slow.update(client.post("/graphql", json={"query": "{ slow(seconds: 1) }"}).json())

        in_flight = threading.Thread(target=slow_request)
        in_flight.start()
        time.sleep(0.3)  # the request is now waiting on the products subgraph
        path.write_text(SUPERGRAPH.read_text().replace(WITH_SLOW, ""))
        second = _wait_for_digest_change(client, first)
        in_flight.join()
        assert slow == {"data": {"slow": "slept 1.0s"}}

        after = client.post("/graphql", json={"query": "{ slow }"}).json()
        assert after["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

        path.write_text("this is not a supergraph")
        time.sleep(1.0)
        ready = client.get("/health/ready").json()
        assert ready == {"status": "UP", "supergraph": second, "circuits": {"products": "closed"}}
        body = client.post("/graphql", json={"query": '{ product(id: "p1") { name } }'}).json()
        assert body == {"data": {"product": {"name": "Kettle"}}}
