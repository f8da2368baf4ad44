"""The service a piece of code runs for, and what is known of the request being served.

``shopgraph dev`` runs every service in one process, so "which service" is a context
variable that each service's ASGI wrapper sets (tasks started while it is set inherit it);
a process that runs one service sets the default once with :func:`set_process_service`.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from opentelemetry import trace

_process_service = "shopgraph"
SERVICE: ContextVar[str | None] = ContextVar("shopgraph_service", default=None)


def set_process_service(name: str) -> None:
    global _process_service
    _process_service = name


def current_service() -> str:
    return SERVICE.get() or _process_service


@dataclass(slots=True)
class RequestInfo:
    """Filled in by whoever learns it while a request is served; read by the access log."""

    operation_name: str | None = None
    operation_type: str | None = None
    client: str | None = None
    error_codes: list[str] = field(default_factory=list)

    def add_error_code(self, code: object) -> None:
        if isinstance(code, str) and len(self.error_codes) < 8 and code not in self.error_codes:
            self.error_codes.append(code[:64])


REQUEST: ContextVar[RequestInfo | None] = ContextVar("shopgraph_request", default=None)


def current_request() -> RequestInfo:
    """The request being served, or a throwaway record outside of one."""
    return REQUEST.get() or RequestInfo()


def note_operation(operation_type: str | None, operation_name: str | None) -> None:
    """The GraphQL operation a request runs: for its access-log line and operation metrics,
    and as its server span's name (``query MyOrders``, as OTel's GraphQL conventions say)."""
    info = current_request()
    info.operation_type, info.operation_name = operation_type, operation_name
    span = trace.get_current_span()
    if operation_type and span.is_recording():
        span.update_name(f"{operation_type} {operation_name}" if operation_name else operation_type)
        span.set_attribute("graphql.operation.type", operation_type)
        if operation_name:
            span.set_attribute("graphql.operation.name", operation_name)
