"""The router's spans: the steps of an operation (parse, validate, plan, execute, merge) and
its subgraph fetches, named after OpenTelemetry's GraphQL and HTTP conventions.

Made only while traces are exported (``observability.tracing.enabled``): the router's hot path
pays nothing for spans nobody will see.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from observability import tracing

_tracer = trace.get_tracer("shopgraph.router")


@contextlib.contextmanager
def step(name: str, **attributes: Any) -> Iterator[Span | None]:
    """A span for one step of the operation (``graphql.parse``, ``graphql.plan``…)."""
    if not tracing.enabled() or not trace.get_current_span().is_recording():
        yield None  # off, or outside of a request (the warm-up of a new supergraph)
        return
    with _tracer.start_as_current_span(name, attributes=attributes) as span:
        yield span


def fetch_span(subgraph: str, url: str) -> Span | None:
    """A client span for one subgraph call (ended by :func:`end_fetch`); None when off."""
    if not tracing.enabled():
        return None
    return _tracer.start_span(
        f"POST {subgraph}",
        kind=SpanKind.CLIENT,
        attributes={"subgraph.name": subgraph, "http.request.method": "POST", "url.full": url},
    )


def with_trace_context(span: Span, headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` and the W3C trace context of ``span`` (``traceparent``, ``tracestate``)."""
    carrier = dict(headers)
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def end_fetch(span: Span | None, status: int | None, error: BaseException | None = None) -> None:
    if span is None:
        return
    if status is not None:
        span.set_attribute("http.response.status_code", status)
    if error is not None:
        span.set_attribute("error.type", type(error).__name__)
        span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
    elif status is not None and status >= 400:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))
    span.end()
