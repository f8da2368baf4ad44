"""A Prometheus registry per service, with the metrics every service has.

Names follow OpenTelemetry's semantic conventions as Prometheus spells them
(``http.server.request.duration`` → ``http_server_request_duration_seconds``, attribute
``http.request.method`` → label ``http_request_method``); ours are ``shopgraph_*``. A label
whose values a client chooses (an operation name) goes through :class:`BoundedLabel`, so no
client can grow a registry without bound.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

# ``*_created`` series double every counter's and histogram's output for no reader of ours.
disable_created_metrics()  # type: ignore[no-untyped-call]

LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
OTHER = "other"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class BoundedLabel:
    """The first ``limit`` distinct values seen keep their name; later ones are ``other``."""

    def __init__(self, limit: int = 200, max_length: int = 100) -> None:
        self.limit = limit
        self.max_length = max_length
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str | None) -> str:
        if not value:
            return ""
        value = value[: self.max_length]
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(value)
        return value


class ServiceMetrics:
    """The metrics every service exports, in that service's own registry."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self.operation_names = BoundedLabel()
        self.routes = BoundedLabel(limit=50)
        self.db_operations = BoundedLabel(limit=100, max_length=40)
        self.http_duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP requests served (OTel http.server.request.duration).",
            ["http_request_method", "http_route", "http_response_status_code"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self._request_children: dict[tuple[str, str, int], Any] = {}
        self.operation_duration = Histogram(
            "graphql_server_operation_duration_seconds",
            "Duration of GraphQL operations served, by operation name and type.",
            ["graphql_operation_name", "graphql_operation_type"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.operation_errors = Counter(
            "graphql_server_operation_errors_total",
            "GraphQL operations answered with errors, by operation name and error code.",
            ["graphql_operation_name", "error_code"],
            registry=self.registry,
        )
        self.db_duration = Histogram(
            "db_client_operation_duration_seconds",
            "Duration of calls to a store (OTel db.client.operation.duration), from the spans "
            "of the drivers' instrumentations.",
            ["db_system_name", "db_operation_name"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.batch_size = Histogram(
            "shopgraph_dataloader_batch_size",
            "Keys per DataLoader batch: one store round trip loads this many entities.",
            ["loader"],
            buckets=BATCH_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._request_children.get(key)
        if child is None:  # bounded: methods, routes (bounded), statuses
            child = self._request_children[key] = self.http_duration.labels(
                method, route, str(status)
            )
        child.observe(seconds)

    def observe_operation(
        self, name: str | None, kind: str | None, seconds: float, error_codes: Iterable[str]
    ) -> None:
        label = self.operation_names(name)
        self.operation_duration.labels(label, kind or "").observe(seconds)
        for code in error_codes:
            self.operation_errors.labels(label, code).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


_services: dict[str, ServiceMetrics] = {}
_lock = threading.Lock()


def service_metrics(service: str) -> ServiceMetrics:
    """The metrics of ``service`` (made on first use; one per process and service)."""
    metrics = _services.get(service)
    if metrics is None:
        with _lock:
            metrics = _services.setdefault(service, ServiceMetrics(service))
    return metrics


def service_registry(service: str) -> CollectorRegistry:
    """Where a service's own metrics go (``registry=`` of a prometheus-client metric)."""
    return service_metrics(service).registry


def current_metrics() -> ServiceMetrics:
    """The metrics of the service this code runs for (see :mod:`observability.context`)."""
    from observability.context import current_service

    return service_metrics(current_service())
