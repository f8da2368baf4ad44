"""OpenTelemetry tracing: one tracer provider per service, our stores' drivers instrumented.

Spans are always recorded, sampled or not: the store-call latency metrics are read off the
drivers' spans (:class:`_StoreLatencyProcessor`). Only sampled spans are exported, and only
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
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from observability.context import current_service
from observability.metrics import ServiceMetrics, service_metrics
from observability.settings import TelemetrySettings

C = TypeVar("C", bound=MutableMapping[str, Any])

_lock = threading.Lock()
_configured: TelemetrySettings | None = None


def enabled() -> bool:
    """True when sampled spans are exported somewhere (worth the detailed spans)."""
    return _configured is not None and _configured.traces_exporter != "none"


def configure_tracing(settings: TelemetrySettings, exporter: SpanExporter | None = None) -> None:
    """Set up tracing for this process, once: the routing provider, the exporter, the
    drivers' instrumentations. ``exporter`` replaces the configured one (the dev viewer)."""
    global _configured
    with _lock:
        if _configured is not None:
            return
        _configured = settings
    # The stable HTTP and database semantic conventions, not the old names.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http,database")
    exporter = exporter or _exporter(settings)
    processor: SpanProcessor | None = None
    if exporter is not None:
        processor = (
            SimpleSpanProcessor(exporter)
            if settings.traces_exporter == "console"
            else BatchSpanProcessor(exporter, max_queue_size=8192, max_export_batch_size=512)
        )
    trace.set_tracer_provider(_RoutingTracerProvider(settings.traces_sampling_ratio, processor))
    _instrument_drivers()


def shutdown_tracing() -> None:
    provider = trace.get_tracer_provider()
    if isinstance(provider, _RoutingTracerProvider):
        provider.shutdown()


def _exporter(settings: TelemetrySettings) -> SpanExporter | None:
    if settings.traces_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(
            endpoint=settings.traces_endpoint, headers=settings.traces_headers or None
        )
    if settings.traces_exporter == "console":
        return ConsoleSpanExporter()
    return None


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


class _RecordingSampler(Sampler):
    """``inner``'s decision, except that a dropped span is still recorded (not exported), and
    that a client span with no parent (a store poll of a background loop: a stream read, the
    outbox relay's query) is recorded but never starts an exported trace of its own."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind is SpanKind.CLIENT and not parent.is_valid:
            return SamplingResult(Decision.RECORD_ONLY, attributes)
        result = self.inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )
        if result.decision is Decision.DROP:
            return SamplingResult(Decision.RECORD_ONLY, result.attributes, result.trace_state)
        return result

    def get_description(self) -> str:
        return f"Recording({self.inner.get_description()})"


class _StoreLatencyProcessor(SpanProcessor):
    """``db_client_operation_duration_seconds`` from the client spans of store drivers."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics

    def on_end(self, span: ReadableSpan) -> None:
        attributes = span.attributes or {}
        system = attributes.get("db.system.name") or attributes.get("db.system")
        if span.kind is not SpanKind.CLIENT or not system or span.end_time is None:
            return
        operation = attributes.get("db.operation.name") or attributes.get("db.operation")
        if not operation:
            operation = span.name.split(" ", 1)[0]
        seconds = (span.end_time - (span.start_time or span.end_time)) / 1e9
        label = self.metrics.db_operations(str(operation))
        self.metrics.db_duration.labels(str(system), label).observe(seconds)


class _RoutingTracerProvider(trace.TracerProvider):
    def __init__(self, ratio: float, processor: SpanProcessor | None) -> None:
        self.sampler = _RecordingSampler(ParentBased(TraceIdRatioBased(ratio)))
        self.processor = processor
        self._providers: dict[str, TracerProvider] = {}
        self._lock = threading.Lock()

    def provider(self, service: str) -> TracerProvider:
        provider = self._providers.get(service)
        if provider is None:
            with self._lock:
                provider = self._providers.get(service)
                if provider is None:
                    provider = self._providers[service] = self._new(service)
        return provider

    def _new(self, service: str) -> TracerProvider:
        resource = Resource.create({"service.name": service, "service.namespace": "shopgraph"})
        provider = TracerProvider(resource=resource, sampler=self.sampler)
        provider.add_span_processor(_StoreLatencyProcessor(service_metrics(service)))
        if self.processor is not None:
            provider.add_span_processor(self.processor)
        return provider

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: Attributes = None,
    ) -> trace.Tracer:
        return _RoutingTracer(
            self, (instrumenting_module_name, instrumenting_library_version, schema_url)
        )

    def shutdown(self) -> None:
        if self.processor is not None:
            self.processor.shutdown()


class _RoutingTracer(trace.Tracer):
    """A tracer whose spans come from the provider of the service the code runs for."""

    def __init__(self, routing: _RoutingTracerProvider, key: tuple[str, str | None, str | None]):
        self.routing = routing
        self.key = key
        self._tracers: dict[str, trace.Tracer] = {}

    def _tracer(self) -> trace.Tracer:
        service = current_service()
        tracer = self._tracers.get(service)
        if tracer is None:
            name, version, schema_url = self.key
            tracer = self.routing.provider(service).get_tracer(name, version, schema_url)
            self._tracers[service] = tracer
        return tracer

    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        return self._tracer().start_span(*args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._tracer().start_as_current_span(*args, **kwargs)
