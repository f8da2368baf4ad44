from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

SCRIPT = Path(__file__).with_name("asgi_trace_script.py")
ROOT = Path(__file__).resolve().parents[2]


def test_a_server_span_names_the_operation_and_keeps_no_query_string() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = orjson.loads(run.stdout.strip().splitlines()[-1])
    assert report["seen"] == {"query": '{"q": "alice@home"}'}  # the app still gets it
    [server] = [s for s in report["spans"] if s["attributes"].get("http.request.method")]
    assert server["name"] == "query Search"
    assert server["service"] == "asgi-traced"
    assert server["attributes"]["graphql.operation.name"] == "Search"
    assert "alice" not in orjson.dumps(report["spans"]).decode()
    assert 'http_route="/graphql"' in report["metrics"]  # the route survives the wrapping
    assert "GET /graphql 200" in run.stderr  # the access line
