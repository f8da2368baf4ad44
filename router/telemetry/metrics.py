"""The router's Prometheus metrics, served on ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

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
    "Operations refused before planning, by the limit's error code.",
    ["code"],
    registry=REGISTRY,
)

DEDUPLICATED_REQUESTS = Counter(
    "shopgraph_router_deduplicated_requests_total",
    "Queries that joined an identical query already in flight instead of executing their own.",
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

SUBGRAPH_CIRCUIT_STATE = Gauge(
    "shopgraph_router_subgraph_circuit_state",
    "Each subgraph's circuit breaker: 0 closed (called), 1 half open (one probe at a time), "
    "2 open (not called).",
    ["subgraph"],
    registry=REGISTRY,
)

SUBGRAPH_CIRCUIT_REFUSALS = Counter(
    "shopgraph_router_subgraph_circuit_refusals_total",
    "Subgraph calls not made because the subgraph's circuit was open.",
    ["subgraph"],
    registry=REGISTRY,
)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
