"""Stage 2 entry point: operation in, query plan out, cached by the operation's digest."""

from __future__ import annotations

import hashlib

from graphql import DocumentNode, print_ast

from router.cache import BoundedCache
from router.planning.build_plan import build_plan
from router.planning.defer import has_defer, plan_deferred_operation, without_defer
from router.planning.fetch_graph import FetchGraphBuilder
from router.planning.normalize import normalize_operation
from router.planning.operation import Operation
from router.planning.plan import QueryPlan, iter_fetches
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph

# Python objects a plan holds per character of its subgraph operations (selections, nodes,
# text): tracemalloc measured 92 on GraphiQL's examples.
PLAN_BYTES_PER_OPERATION_CHAR = 100
PLAN_OVERHEAD_BYTES = 2_000


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None = None,
    labels: frozenset[str] = frozenset(),
) -> QueryPlan:
    """Plan a validated operation over ``supergraph`` with the given override labels active."""
    return plan_normalized(supergraph, normalize_operation(document, operation_name), labels)


def plan_normalized(
    supergraph: Supergraph, operation: Operation, labels: frozenset[str] = frozenset()
) -> QueryPlan:
    """Plan an operation already in the planner's form (normalized, perhaps authorized)."""
    index = SchemaIndex(supergraph, labels)
    if has_defer(operation.selections):
        if operation.kind == "query":
            return QueryPlan(plan_deferred_operation(supergraph, index, operation))
        operation = Operation(operation.kind, operation.name, operation.variable_definitions,
                              without_defer(operation.selections))  # fmt: skip
    drafts = FetchGraphBuilder(index, operation).build()
    return build_plan(supergraph, operation, drafts)


def plan_size(plan: QueryPlan) -> int:
    """About how many bytes of memory ``plan`` holds."""
    text = sum(len(fetch.operation) for fetch in iter_fetches(plan.node))
    return PLAN_OVERHEAD_BYTES + PLAN_BYTES_PER_OPERATION_CHAR * text


PlanKey = tuple[str, str | None, frozenset[str], str]


class PlanCache:
    """Plans keyed by the operation's digest, its name, the active override labels and what
    authorization removed; bounded in entries and bytes."""

    def __init__(
        self, supergraph: Supergraph, max_size: int = 1000, max_bytes: int = 32_000_000
    ) -> None:
        self.supergraph = supergraph
        self.cache: BoundedCache[PlanKey, QueryPlan] = BoundedCache(
            max_entries=max_size, max_bytes=max_bytes
        )

    @property
    def hits(self) -> int:
        return self.cache.hits

    @property
    def misses(self) -> int:
        return self.cache.misses

    def key(
        self,
        digest: str,
        operation_name: str | None,
        labels: frozenset[str] = frozenset(),
        authorization: str = "",
    ) -> PlanKey:
        return (digest, operation_name, labels, authorization)

    def cached(self, key: PlanKey) -> QueryPlan | None:
        return self.cache.get(key)

    def store(self, key: PlanKey, plan: QueryPlan) -> QueryPlan:
        self.cache.put(key, plan, plan_size(plan))
        return plan

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        """The cached plan of a document (keyed by its printed form)."""
        digest = hashlib.sha256(print_ast(document).encode()).hexdigest()
        key = self.key(digest, operation_name, labels)
        plan = self.cached(key)
        if plan is None:
            planned = plan_operation(self.supergraph, document, operation_name, labels)
            plan = self.store(key, planned)
        return plan
