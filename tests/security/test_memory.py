"""Floods of distinct large documents that fail cannot grow the router: failures are never
cached, and what is cached is bounded in bytes. Read from the router process's own RSS."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from datastores.testservices.base import free_port

ROOT = Path(__file__).resolve().parents[2]
GROWTH_BOUND_MB = 50


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def router() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "router.http.serve", "--supergraph",
         str(ROOT / "schema" / "supergraph.graphql"), "--port", str(port)],
        cwd=ROOT,
        # One process: the RSS read is the router's own, not a supervisor's.
        env={**os.environ, "SHOPGRAPH_ROUTER__WORKERS": "1"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("the router did not start")
    try:
        yield process, f"{url}/graphql"
    finally:
        process.terminate()
        process.wait(10)


def test_a_thousand_distinct_large_bad_documents_leave_memory_where_it_was(
    router: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = router
    with httpx.Client(timeout=10) as client:
        for _ in range(50):  # warm up: the first requests allocate what every request reuses
            client.post(
                url, json={"query": f'{{ product(id: "{secrets.token_hex(8)}") {{ nam }} }}'}
            )
        before = rss_mb(process.pid)
        codes = set()
        for _ in range(1_000):
            junk = secrets.token_hex(45_000)  # a 90 KB argument: a distinct document each time
            response = client.post(url, json={"query": f'{{ product(id: "{junk}") {{ nam }} }}'})
            codes.add(response.json()["errors"][0]["extensions"]["code"])
        after = rss_mb(process.pid)
    assert codes == {"GRAPHQL_VALIDATION_FAILED"}
    print(f"router RSS {before:.1f} MB before, {after:.1f} MB after")
    assert after - before < GROWTH_BOUND_MB, f"RSS grew from {before:.0f} MB to {after:.0f} MB"
