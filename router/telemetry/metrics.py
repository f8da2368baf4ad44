"""The router's Prometheus metrics, served on ``/metrics``."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from observability.metrics import service_registry

REGISTRY = service_registry("router")
"""The router service's registry: these metrics and the ones every service has (HTTP,
operations), all served on the router's ``/metrics``."""

OPERATION_COST = Histogram(
    "shopgraph_router_operation_cost",
    "Demand-control cost of operations: the static estimate, and the actual cost measured on "
    "the response.",
    ["kind"],
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 100_000),
    registry=REGISTRY,
)

REFUSED_OPERATIONS = Counter(
    "shopgraph_router_refused_operations_total",
    "Requests refused before planning, by code: an operation limit, demand control, or the "
    "rate limit (RATE_LIMITED).",
    ["code"],
    registry=REGISTRY,
)

DEDUPLICATED_REQUESTS = Counter(
    "shopgraph_router_deduplicated_requests_total",
    "Queries that joined an identical query already in flight instead of executing their own.",
    registry=REGISTRY,
)

PERSISTED_QUERIES = Counter(
    "shopgraph_router_persisted_queries_total",
    "Requests that named a document by id or hash, by result: apq_hit, apq_miss, "
    "apq_registered, trusted (from a manifest), not_in_list, refused (a safelist's refusal).",
    ["result"],
    registry=REGISTRY,
)

BATCHES = Histogram(
    "shopgraph_router_batch_size",
    "Operations in each batched request (a JSON array of operations in one POST).",
    buckets=(1, 2, 3, 5, 10, 25, 50, 100),
    registry=REGISTRY,
)

ENTITY_CACHE = Counter(
    "shopgraph_router_entity_cache_requests",
    "Entity cache lookups of query fetches, by subgraph and result (hit, miss): one per entity "
    "of an _entities fetch, one per root fetch. The hit ratio is hit / (hit + miss).",
    ["subgraph", "result"],
    registry=REGISTRY,
)

RESPONSE_CACHE = Counter(
    "shopgraph_router_response_cache_requests",
    "Response cache lookups of public queries, by result (hit, miss).",
    ["result"],
    registry=REGISTRY,
)

OPEN_SUBSCRIPTIONS = Gauge(
    "shopgraph_router_open_subscriptions",
    "Subscriptions open now (WebSocket and Server-Sent Events), in this process.",
    registry=REGISTRY,
)

ENTITY_CACHE_INVALIDATIONS = Counter(
    "shopgraph_router_entity_cache_invalidations",
    "Entity cache entries dropped because an entity they hold changed.",
    registry=REGISTRY,
)

DATA_PATH_EXECUTIONS = Counter(
    "shopgraph_router_data_path_executions_total",
    "Operations executed, by where their data was merged and shaped: native (the compiled "
    "extension) or python (the reference path: configured, or a plan the native path does "
    "not cover).",
    ["path"],
    registry=REGISTRY,
)

DEFERRED_PARTS = Counter(
    "shopgraph_router_deferred_parts_total",
    "Deferred parts (@defer) of streamed responses, by how they ended: sent, cancelled (the "
    "client went away) or timed_out (the response's deadline passed).",
    ["outcome"],
    registry=REGISTRY,
)

SUBGRAPH_REQUESTS = Histogram(
    "http_client_request_duration_seconds",
    "Subgraph calls (OTel http.client.request.duration), by subgraph and HTTP status, or by "
    "the error code of a call that got no answer (SUBREQUEST_TIMEOUT, …). Identical calls "
    "shared in flight count once.",
    ["subgraph", "http_response_status_code", "error_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)

SUBGRAPH_CIRCUIT_STATE = Gauge(
    "shopgraph_router_subgraph_circuit_state",
    "Each subgraph's circuit breaker: 0 closed (called), 1 half open (one probe at a time), "
    "2 open (not called).",
    ["subgraph"],
    registry=REGISTRY,
)

SUBGRAPH_RETRIES = Counter(
    "shopgraph_router_subgraph_retries_total",
    "Subgraph queries sent again after a failure (retried), or not for want of retry budget "
    "(budget_exhausted).",
    ["subgraph", "outcome"],
    registry=REGISTRY,
)

SUBGRAPH_IN_FLIGHT = Gauge(
    "shopgraph_router_subgraph_in_flight",
    "Calls to each subgraph in flight now (identical calls shared count once).",
    ["subgraph"],
    registry=REGISTRY,
)

SUBGRAPH_CAPACITY_REFUSALS = Counter(
    "shopgraph_router_subgraph_capacity_refusals_total",
    "Subgraph calls refused at once (SUBREQUEST_CAPACITY) because the subgraph had its "
    "max_in_flight calls already.",
    ["subgraph"],
    registry=REGISTRY,
)

SUBGRAPH_CIRCUIT_REFUSALS = Counter(
    "shopgraph_router_subgraph_circuit_refusals_total",
    "Subgraph calls not made because the subgraph's circuit was open.",
    ["subgraph"],
    registry=REGISTRY,
)


class CacheStats(Protocol):
    """What a bounded cache tells about itself (``router.cache.BoundedCache``)."""

    hits: int
    misses: int
    evictions: int

    @property
    def size_bytes(self) -> int: ...

    def __len__(self) -> int: ...


class _CacheCollector(Collector):
    """Reads the watched caches at each scrape: nothing is counted on the request path."""

    def __init__(self) -> None:
        self._caches: dict[str, weakref.ref[CacheStats]] = {}

    def watch(self, name: str, cache: CacheStats) -> None:
        self._caches[name] = weakref.ref(cache)  # a reloaded supergraph brings new caches

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "shopgraph_router_cache_requests", "Cache lookups, by cache and result.",
            labels=["cache", "result"],
        )  # fmt: skip
        evictions = CounterMetricFamily(
            "shopgraph_router_cache_evictions", "Entries evicted to stay within bounds.",
            labels=["cache"],
        )  # fmt: skip
        entries = GaugeMetricFamily("shopgraph_router_cache_entries", "Entries held.",
                                    labels=["cache"])  # fmt: skip
        size = GaugeMetricFamily("shopgraph_router_cache_bytes",
                                 "Estimated bytes held (each cache is bounded in bytes).",
                                 labels=["cache"])  # fmt: skip
        for name, ref in sorted(self._caches.items()):
            cache = ref()
            if cache is None:
                continue
            requests.add_metric([name, "hit"], cache.hits)
            requests.add_metric([name, "miss"], cache.misses)
            evictions.add_metric([name], cache.evictions)
            entries.add_metric([name], len(cache))
            size.add_metric([name], cache.size_bytes)
        yield from (requests, evictions, entries, size)


_CACHES = _CacheCollector()
REGISTRY.register(_CACHES)


def watch_cache(name: str, cache: CacheStats) -> None:
    """Export ``cache``'s hits, misses, evictions and size as the ``name`` cache."""
    _CACHES.watch(name, cache)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
