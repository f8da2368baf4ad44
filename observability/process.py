"""What a process does once to be observed: logging, then tracing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from observability.context import set_process_service
from observability.logs import configure_logging
from observability.settings import TelemetrySettings
from observability.tracing import configure_tracing

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter


def configure(
    service: str | None = None,
    settings: TelemetrySettings | None = None,
    exporter: SpanExporter | None = None,
    *,
    drivers: bool = True,
) -> TelemetrySettings:
    """Configure this process for ``service`` (None when it runs several, as ``shopgraph
    dev`` does); settings from the environment unless given. ``drivers``: instrument the
    store drivers (a process that calls no store says False)."""
    settings = settings or TelemetrySettings()
    if service is not None:
        set_process_service(service)
    configure_logging(settings)
    configure_tracing(settings, exporter, drivers=drivers)
    return settings
