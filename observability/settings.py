"""Telemetry settings: ``SHOPGRAPH_TRACES_*`` and ``SHOPGRAPH_LOG_*`` environment variables.

The OTLP exporter also reads OpenTelemetry's own variables (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, …) for whatever is not set here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelemetrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPGRAPH_", extra="ignore")

    traces_exporter: Literal["none", "otlp", "console", "viewer"] = "none"
    """Where finished spans go: nowhere (production default), an OTLP/HTTP collector (the
    OpenTelemetry Collector, Azure Monitor's, Jaeger…), stdout, or the in-process viewer of
    ``shopgraph dev``."""
    traces_endpoint: str | None = None
    """The OTLP/HTTP traces URL, e.g. ``http://collector:4318/v1/traces``."""
    traces_headers: dict[str, str] = Field(default_factory=dict)
    """Headers sent with each export (an API key), as JSON: ``{"api-key": "…"}``."""
    traces_sampling_ratio: float = Field(1.0, ge=0.0, le=1.0)
    """The share of new traces kept; a request that arrives with a sampled trace stays so."""
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    """One line per request served (health checks and /metrics only at DEBUG)."""
