from __future__ import annotations

import logging
import sys

import orjson
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from observability.context import SERVICE
from observability.logs import ContextFilter, JsonFormatter, TextFormatter

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0xB7AD6B7169203331


def _record(message: str = "placed order %s", *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("shopgraph.orders", logging.INFO, __file__, 1, message,
                               args or ("o-1",), None)  # fmt: skip
    record.__dict__.update(extra)
    return record


def _in_span_and_service(record: logging.LogRecord) -> logging.LogRecord:
    span = NonRecordingSpan(SpanContext(TRACE_ID, SPAN_ID, False, TraceFlags(1)))
    token = SERVICE.set("orders")
    try:
        with trace.use_span(span):
            ContextFilter().filter(record)
    finally:
        SERVICE.reset(token)
    return record


def test_a_json_line_names_the_service_and_carries_the_trace_ids() -> None:
    record = _in_span_and_service(_record(operation_name="PlaceOrder", status=200))
    entry = orjson.loads(JsonFormatter().format(record))
    assert entry["service"] == "orders"
    assert entry["message"] == "placed order o-1"
    assert entry["level"] == "info"
    assert entry["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert entry["span_id"] == "b7ad6b7169203331"
    assert entry["operation_name"] == "PlaceOrder"
    assert entry["status"] == 200
    assert entry["time"].endswith("Z")


def test_a_line_outside_any_span_has_no_trace_ids() -> None:
    record = _record()
    ContextFilter().filter(record)
    entry = orjson.loads(JsonFormatter().format(record))
    assert "trace_id" not in entry
    assert entry["service"]  # the process's own name


def test_a_readable_line_shows_the_service_the_fields_and_the_trace() -> None:
    record = _in_span_and_service(_record(status=200))
    line = TextFormatter().format(record)
    assert " orders " in line
    assert "placed order o-1" in line
    assert "status=200" in line
    assert line.endswith("trace=0af7651916cd43dd8448eb211c80319c")


def test_an_exception_keeps_its_traceback_in_both_formats() -> None:
    try:
        raise KeyError("boom")
    except KeyError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    ContextFilter().filter(record)
    assert "KeyError: 'boom'" in orjson.loads(JsonFormatter().format(record))["exception"]
    assert "Traceback (most recent call last)" in TextFormatter().format(record)


def test_a_json_message_cannot_forge_a_second_line() -> None:
    record = _record("search for %s", 'x"}\n{"level": "error", "message": "admin signed in')
    ContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert orjson.loads(line)["level"] == "info"
