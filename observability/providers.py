"""The SDK side of :mod:`observability.tracing`, imported only by a process that records
spans (a router that exports none never loads the SDK)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter
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


def exporter_for(settings: TelemetrySettings) -> SpanExporter | None:
    if settings.traces_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(
            endpoint=settings.traces_endpoint, headers=settings.traces_headers or None
        )
    if settings.traces_exporter == "console":
        return ConsoleSpanExporter()
    return None


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


class RoutingTracerProvider(trace.TracerProvider):
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

    def __init__(self, routing: RoutingTracerProvider, key: tuple[str, str | None, str | None]):
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
