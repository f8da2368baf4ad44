"""The ASGI wrapper every service is served through.

For each request: the service's name in context (for log lines and spans), an OpenTelemetry
server span when traces are exported (W3C ``traceparent`` read from the request), the HTTP
request metrics, one access-log line, and for an unexpected failure a 500 whose error id is
also in the logged traceback. ``GET /metrics`` answers with the service's registry.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observability import tracing
from observability.context import REQUEST, SERVICE, RequestInfo
from observability.logs import ACCESS_LOG
from observability.metrics import CONTENT_TYPE, service_metrics
from observability.workers import WORKER_METRICS_DIR, WorkerMetrics

error_log = logging.getLogger("shopgraph.errors")

QUIET_PATHS = frozenset({"/health", "/health/ready", "/metrics", "/favicon.ico"})
CLIENT_HEADER = b"apollographql-client-name"


def new_error_id() -> str:
    return uuid.uuid4().hex[:16]


def log_unexpected(error: BaseException, where: str) -> str:
    """Log ``error`` with its traceback under a new error id; return the id."""
    error_id = new_error_id()
    error_log.error("unexpected error in %s (error id %s)", where, error_id,
                    exc_info=error, extra={"error_id": error_id})  # fmt: skip
    error.__dict__["shopgraph_error_id"] = error_id
    return error_id


def internal_error_body(error_id: str) -> bytes:
    return orjson.dumps({"errors": [{
        "message": f"internal server error (error id {error_id})",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
    }]})  # fmt: skip


async def internal_error(request: Request, error: Exception) -> Response:
    """A Starlette handler for ``Exception``: the 500 a client sees, with the error id."""
    error_id = log_unexpected(error, f"{request.method} {request.url.path}")
    return Response(internal_error_body(error_id), 500, media_type="application/json")


class ObservedApp:
    def __init__(self, app: ASGIApp, *, service: str, metrics_path: str = "/metrics") -> None:
        self.service = service
        self.metrics = service_metrics(service)
        self.metrics_path = metrics_path
        # A worker among several serving one port: /metrics answers for all of them.
        shared = os.environ.get(WORKER_METRICS_DIR)
        self.workers = WorkerMetrics(self.metrics.registry, shared) if shared else None
        self.inner = app
        self.app = app
        if tracing.enabled():
            from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

            # The query string never reaches the span (a GET's GraphQL variables are personal
            # data); the app gets it back.
            self.app = _hide_query(OpenTelemetryMiddleware(
                _restore_query(app), excluded_urls="/health,/metrics",
                exclude_spans=["receive", "send"],
            ))  # fmt: skip

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # app.state and the like, for callers of the app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = SERVICE.set(self.service)
        try:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
            elif scope["path"] == self.metrics_path and scope["method"] == "GET":
                text = self.workers.exposition() if self.workers else self.metrics.exposition()
                await Response(text, media_type=CONTENT_TYPE)(scope, receive, send)
            else:
                await self._serve(scope, receive, send)
        finally:
            SERVICE.reset(token)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = RequestInfo(client=_client(scope))
        token = REQUEST.set(info)
        started = time.perf_counter()
        status = 0

        async def send_and_see(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_see)
        except Exception as error:
            error_id = error.__dict__.get("shopgraph_error_id") or log_unexpected(
                error, f"{scope['method']} {scope['path']}"
            )
            if not status:
                status = 500
                await Response(internal_error_body(error_id), 500,
                               media_type="application/json")(scope, receive, send)  # fmt: skip
        finally:
            REQUEST.reset(token)
            self._finished(scope, info, status or 500, time.perf_counter() - started)

    def _finished(self, scope: Scope, info: RequestInfo, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None)
        label = self.metrics.routes(route) if route else "unmatched"
        method = scope["method"] if scope["method"] in _METHODS else "_OTHER"
        self.metrics.observe_request(method, label, status, seconds)
        if self.workers is not None:
            self.workers.tick()
        if info.operation_name is not None or info.operation_type is not None:
            self.metrics.observe_operation(
                info.operation_name, info.operation_type, seconds, info.error_codes
            )
        quiet = scope["path"] in QUIET_PATHS
        if not ACCESS_LOG.writes(quiet=quiet):
            return
        operation = " ".join(filter(None, (info.operation_type, info.operation_name)))
        ACCESS_LOG.write(
            f"{method} {route or _printable(scope['path'])} {status} {seconds * 1000:.1f} ms"
            + (f" {operation}" if operation else ""),
            {"http_method": method, "http_route": route, "status": status,
             "duration_ms": round(seconds * 1000, 2), "operation_name": info.operation_name,
             "operation_type": info.operation_type, "client": info.client,
             "error_codes": info.error_codes or None},
            quiet=quiet,
        )  # fmt: skip


_HIDDEN_QUERY = "shopgraph.query_string"


def _hide_query(app: ASGIApp) -> ASGIApp:
    async def hide(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            # In place: what the app adds to its scope (Starlette's route) is read afterwards.
            scope[_HIDDEN_QUERY], scope["query_string"] = scope["query_string"], b""
        await app(scope, receive, send)

    return hide


def _restore_query(app: ASGIApp) -> ASGIApp:
    async def restore(scope: Scope, receive: Receive, send: Send) -> None:
        if _HIDDEN_QUERY in scope:
            scope["query_string"] = scope.pop(_HIDDEN_QUERY)
        await app(scope, receive, send)

    return restore


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _printable(text: str) -> str:
    text = text[:100]
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else "?" for c in text)


def _client(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == CLIENT_HEADER:
            return _printable(value.decode("latin-1")[:40]) or None
    return None
