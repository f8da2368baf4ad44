from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import orjson
import pytest

pytestmark = pytest.mark.redis

SCRIPT = Path(__file__).with_name("stream_trace_script.py")
ROOT = Path(__file__).resolve().parents[2]


def test_an_event_continues_the_trace_of_the_request_that_wrote_it(redis_url: str) -> None:
    stream = f"orders:events:{uuid.uuid4().hex[:8]}"
    run = subprocess.run([sys.executable, str(SCRIPT), redis_url, stream], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    report = orjson.loads(run.stdout.strip().splitlines()[-1])
    spans = report["spans"]
    assert report["handled"] == ["7", "8"]
    request = next(s for s in spans if s["name"] == "request PlaceOrder")
    in_request = [s for s in spans if s["trace_id"] == request["trace_id"]]
    by_id = {s["span_id"]: s for s in in_request}
    published = next(s for s in in_request if s["name"] == f"publish {stream}")
    processed = next(s for s in in_request if s["name"] == f"process {stream}")
    indexed = next(s for s in in_request if s["name"] == "index the order")
    assert published["parent_id"] == request["span_id"]
    assert published["kind"] == "PRODUCER"
    assert by_id[processed["parent_id"]] is published  # the relay's context went with the entry
    assert processed["kind"] == "CONSUMER"
    assert indexed["parent_id"] == processed["span_id"]
    # The event written outside any request starts a trace of its own, from its publication.
    others = [s for s in spans if s["trace_id"] != request["trace_id"]
              and s["name"] == f"process {stream}"]  # fmt: skip
    assert len(others) == 1
    assert 0 <= report["lag"] < 60
