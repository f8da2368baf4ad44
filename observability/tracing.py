"""OpenTelemetry tracing: one tracer provider per service, our stores' drivers instrumented.

Spans are always recorded, sampled or not: the store-call latency metrics are read off the
drivers' spans (``observability.providers``). Only sampled spans are exported, and only
when an exporter is configured (:class:`~observability.settings.TelemetrySettings`); with
none, nothing leaves the process.

The tracer provider set globally routes each span to the provider of the service the code
runs for (:func:`~observability.context.current_service`), so that in ``shopgraph dev``, one
process for every service, each span still names its own ``service.name``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from observability.settings import TelemetrySettings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

C = TypeVar("C", bound=MutableMapping[str, Any])

_lock = threading.Lock()
_configured: TelemetrySettings | None = None


def enabled() -> bool:
    """True when sampled spans are exported somewhere (worth the detailed spans)."""
    return _configured is not None and _configured.traces_exporter != "none"


def configure_tracing(
    settings: TelemetrySettings, exporter: SpanExporter | None = None, *, drivers: bool = True
) -> None:
    """Set up tracing for this process, once: the routing provider, the exporter, the
    drivers' instrumentations. ``exporter`` replaces the configured one (the dev viewer).

    ``drivers=False`` (the router: it calls no store) instruments no driver and, with no
    exporter, loads no SDK at all: spans cost nothing where nobody reads them."""
    global _configured
    with _lock:
        if _configured is not None:
            return
        _configured = settings
    if not drivers and exporter is None and settings.traces_exporter == "none":
        return
    # The stable HTTP and database semantic conventions, not the old names.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")
    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    from observability.providers import RoutingTracerProvider, exporter_for

    exporter = exporter or exporter_for(settings)
    processor: SpanProcessor | None = None
    if exporter is not None:
        processor = (
            SimpleSpanProcessor(exporter)
            if settings.traces_exporter == "console"
            else BatchSpanProcessor(exporter, max_queue_size=8192, max_export_batch_size=512)
        )
    trace.set_tracer_provider(RoutingTracerProvider(settings.traces_sampling_ratio, processor))
    if drivers:
        _instrument_drivers()


def shutdown_tracing() -> None:
    provider = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()


def _instrument_drivers() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    HTTPXClientInstrumentor().instrument()
    PymongoInstrumentor().instrument()
    RedisInstrumentor().instrument()
    # Elasticsearch's client makes its own spans through the OpenTelemetry API; SQLAlchemy
    # engines are instrumented one by one (observe_engine), whenever they are made.


def observe_engine(engine: Any) -> None:
    """Spans for every statement of a SQLAlchemy engine (sync or async), by OpenTelemetry's
    SQLAlchemy instrumentation."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    sync_engine = getattr(engine, "sync_engine", engine)
    usage = get_meter("shopgraph.sqlalchemy").create_up_down_counter("db.client.connections.usage")
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    EngineTracer(tracer, sync_engine, usage)  # type: ignore[no-untyped-call]


def inject(carrier: C) -> C:
    """Put the current trace context (``traceparent``, ``tracestate``) into ``carrier``."""
    propagate.inject(carrier)
    return carrier


def consumer_span(
    name: str, carriers: Sequence[Mapping[str, str]], attributes: Attributes = None
) -> Any:
    """A ``process`` span for a batch of stream entries: the child of the first entry's trace
    (so a single event continues its producer's trace), linked to the others' (up to 32)."""
    contexts = [propagate.extract(carrier) for carrier in carriers if "traceparent" in carrier]
    parent = contexts[0] if contexts else otel_context.Context()
    links = [
        Link(trace.get_current_span(ctx).get_span_context())
        for ctx in contexts[1:33]
    ]  # fmt: skip
    return _streams.start_as_current_span(
        name, context=parent, kind=SpanKind.CONSUMER, links=links, attributes=attributes
    )


def producer_span(name: str, carrier: Mapping[str, str], attributes: Attributes = None) -> Any:
    """A ``publish`` span continuing the trace in ``carrier`` (an event written earlier, in
    that trace's request), or a new trace when it holds none."""
    parent = propagate.extract(carrier) if "traceparent" in carrier else otel_context.Context()
    return _streams.start_as_current_span(
        name, context=parent, kind=SpanKind.PRODUCER, attributes=attributes
    )


_streams = trace.get_tracer("shopgraph.streams")
