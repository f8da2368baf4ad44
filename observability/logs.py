"""Log lines: JSON in production, readable in development; each names its service and
carries the trace and span ids of the span it was written in."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import Any

import orjson
from opentelemetry import trace

from observability.context import current_service
from observability.settings import TelemetrySettings

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "service",
                                                     "trace_id", "span_id"}  # fmt: skip


class ContextFilter(logging.Filter):
    """Adds ``service``, ``trace_id`` and ``span_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = current_service()
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        else:
            record.trace_id = record.span_id = None
        return True


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, trace ids, the
    record's ``extra`` fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname.lower(),
            "service": getattr(record, "service", None),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "trace_id", None):
            entry["trace_id"] = record.trace_id  # type: ignore[attr-defined]
            entry["span_id"] = record.span_id  # type: ignore[attr-defined]
        entry.update(_extra(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """``12:00:01.234 INFO  orders      message  key=value … trace=…`` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(record.created))
        fields = " ".join(f"{k}={_short(v)}" for k, v in _extra(record).items() if v is not None)
        line = (f"{clock}.{int(record.msecs):03d} {record.levelname:<7} "
                f"{getattr(record, 'service', '-'):<11} {record.getMessage()}")  # fmt: skip
        if fields:
            line += f"  {fields}"
        if getattr(record, "trace_id", None):
            line += f"  trace={record.trace_id}"  # type: ignore[attr-defined]
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class AccessLog:
    """Access-log lines written straight to the log stream, in the configured format.

    One line per request is the hottest logging there is: this skips the ``logging``
    machinery (a record, the caller's frame, handler locks), about a tenth of its cost. Until
    :func:`configure_logging` runs (a test, a library user) lines go through ``logging``.
    """

    def __init__(self) -> None:
        self.stream: Any = None
        self.json = True
        self.enabled = True
        self.fallback = logging.getLogger("shopgraph.access")

    def writes(self, *, quiet: bool) -> bool:
        """Whether a line would be written (so that nothing is formatted for none)."""
        if self.stream is None:
            return self.fallback.isEnabledFor(logging.DEBUG if quiet else logging.INFO)
        return self.enabled and not quiet

    def write(self, message: str, fields: dict[str, Any], *, quiet: bool = False) -> None:
        stream = self.stream
        if stream is None:
            self.fallback.log(logging.DEBUG if quiet else logging.INFO, "%s", message,
                              extra=fields)  # fmt: skip
            return
        if quiet or not self.enabled:
            return
        now = time.time()
        context = trace.get_current_span().get_span_context()
        if self.json:
            entry: dict[str, Any] = {
                "time": _timestamp(now), "level": "info", "service": current_service(),
                "logger": "shopgraph.access", "message": message,
            }  # fmt: skip
            if context.is_valid:
                entry["trace_id"] = format(context.trace_id, "032x")
                entry["span_id"] = format(context.span_id, "016x")
            entry.update((k, v) for k, v in fields.items() if v is not None)
            line = orjson.dumps(entry).decode()
        else:
            clock = time.strftime("%H:%M:%S", time.localtime(now))
            line = f"{clock}.{int(now % 1 * 1000):03d} INFO    {current_service():<11} {message}"
            if context.is_valid:
                line += f"  trace={context.trace_id:032x}"
        with contextlib.suppress(OSError, ValueError):  # a closed stream: drop it, as logging does
            stream.write(line + "\n")


ACCESS_LOG = AccessLog()


def configure_logging(settings: TelemetrySettings) -> None:
    """Send every logger's records to stderr in the configured format (replacing handlers
    set before, such as uvicorn's)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    ACCESS_LOG.stream = sys.stderr
    ACCESS_LOG.json = settings.log_format == "json"
    ACCESS_LOG.enabled = settings.access_log
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # Our access log replaces uvicorn's; the drivers' chatter stays at warnings.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("httpx", "httpcore", "elastic_transport", "pymongo", "aiosqlite", "asyncio",
                  "alembic"):  # fmt: skip
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _timestamp(created: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        + f".{int(created % 1 * 1000):03d}Z"
    )


def _short(value: object) -> str:
    text = str(value)
    return text if " " not in text else repr(text)
