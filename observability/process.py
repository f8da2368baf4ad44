"""What a process does once to be observed: logging, then tracing."""

from __future__ import annotations

from opentelemetry.sdk.trace.export import SpanExporter

from observability.context import set_process_service
from observability.logs import configure_logging
from observability.settings import TelemetrySettings
from observability.tracing import configure_tracing


def configure(
    service: str | None = None,
    settings: TelemetrySettings | None = None,
    exporter: SpanExporter | None = None,
) -> TelemetrySettings:
    """Configure this process for ``service`` (None when it runs several, as ``shopgraph
    dev`` does); settings from the environment unless given."""
    settings = settings or TelemetrySettings()
    if service is not None:
        set_process_service(service)
    configure_logging(settings)
    configure_tracing(settings, exporter)
    return settings
