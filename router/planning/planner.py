"""Stage 2 entry point: operation in, query plan out, cached by normalized operation."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from graphql import DocumentNode, print_ast

from router.planning.build_plan import build_plan
from router.planning.fetch_graph import FetchGraphBuilder
from router.planning.normalize import normalize_operation
from router.planning.plan import QueryPlan
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None = None,
    labels: frozenset[str] = frozenset(),
) -> QueryPlan:
    """Plan a validated operation over ``supergraph`` with the given override labels active."""
    operation = normalize_operation(document, operation_name)
    index = SchemaIndex(supergraph, labels)
    drafts = FetchGraphBuilder(index, operation).build()
    return build_plan(supergraph, operation, drafts)


class PlanCache:
    """A bounded LRU of plans keyed by the printed operation, its name and active labels."""

    def __init__(self, supergraph: Supergraph, max_size: int = 1000) -> None:
        self.supergraph = supergraph
        self.max_size = max_size
        self._plans: OrderedDict[tuple[str, str | None, frozenset[str]], QueryPlan] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        labels: frozenset[str] = frozenset(),
        *,
        source: str | None = None,
    ) -> QueryPlan:
        """The cached plan; ``source`` (the request's query text) saves printing the document."""
        key = (source if source is not None else print_ast(document), operation_name, labels)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                self.hits += 1
                return plan
        plan = plan_operation(self.supergraph, document, operation_name, labels)
        with self._lock:
            self.misses += 1
            self._plans[key] = plan
            while len(self._plans) > self.max_size:
                self._plans.popitem(last=False)
        return plan
