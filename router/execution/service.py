"""One supergraph, served: prepare (cached) → plan (cached) → execute → shape, HTTP-free."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import orjson
import shopgraph_native
from graphql import DocumentNode, OperationDefinitionNode, OperationType

from router.auth.directives import ANONYMOUS, AuthorizationRules, Viewer
from router.cache import BoundedCache
from router.execution.budget import PreparationWorkers
from router.execution.cache_policy import UNCACHEABLE, CachePolicy, operation_cache_policy
from router.execution.client import SubgraphClient
from router.execution.executor import ErrorPolicy, execute_plan
from router.execution.introspection import execute_introspection
from router.execution.native import (
    NativePlan,
    compile_cost,
    compile_plan,
    compile_shape,
    execute_native,
    native_schema,
    switch_variables,
)
from router.execution.prepare import OperationPreparer, PreparedOperation
from router.execution.response import shape_response
from router.operation.cost import COST_CAP, MUTATION_COST, CostModel
from router.operation.document import DocumentLimits, operation_digest
from router.operation.limits import OperationLimits
from router.planning import PlanCache
from router.planning.authorize import authorize_operation
from router.planning.plan import QueryPlan
from router.planning.planner import plan_normalized
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph
from router.supergraph.incremental import with_defer
from router.telemetry.metrics import DATA_PATH_EXECUTIONS, watch_cache
from router.telemetry.spans import step
from router.types import JSONObject, RouterError


class GraphQLResult:
    """An operation's result; ``data`` may come already serialized (``data_json``), as the
    compiled data path gives it, and is then decoded only when read."""

    def __init__(
        self,
        data: JSONObject | None = None,
        errors: list[JSONObject] | None = None,
        extensions: JSONObject | None = None,
        *,
        data_json: bytes | None = None,
        actual_cost: int | None = None,
    ) -> None:
        self._data = data
        self._data_json = data_json
        self.errors: list[JSONObject] = errors if errors is not None else []
        self.extensions: JSONObject = extensions if extensions is not None else {}
        self.actual_cost = actual_cost
        """The actual cost, when execution already computed it."""

    @property
    def data(self) -> JSONObject | None:
        if self._data_json is not None:
            self._data, self._data_json = orjson.loads(self._data_json), None
        return self._data

    def to_json(self) -> JSONObject:
        out: JSONObject = {}
        if self.errors:
            out["errors"] = self.errors
        out["data"] = (
            orjson.Fragment(self._data_json) if self._data_json is not None else self._data
        )
        if self.extensions:
            out["extensions"] = self.extensions
        return out


@dataclass
class _Compiled:
    """What the compiled data path keeps of one plan: its fetches, a shape program per
    value of the variables ``@skip``/``@include`` read, and the cost program."""

    native: NativePlan | None
    switches: tuple[str, ...]
    cost: shopgraph_native.CostProgram | None
    shapes: dict[tuple[Any, ...], shopgraph_native.Program] = field(default_factory=dict)


_SHAPES_PER_PLAN = 16
# Looked up once: a labelled child's lookup costs more than its increment.
_NATIVE_EXECUTIONS = DATA_PATH_EXECUTIONS.labels("native")
_PYTHON_EXECUTIONS = DATA_PATH_EXECUTIONS.labels("python")


@dataclass(frozen=True)
class CacheBounds:
    operation_entries: int = 1000
    operation_bytes: int = 64_000_000
    plan_entries: int = 1000
    plan_bytes: int = 32_000_000


class RouterService:
    """Serves operations over one supergraph; a new supergraph gets a new service."""

    def __init__(
        self,
        supergraph: Supergraph,
        client: SubgraphClient,
        *,
        workers: PreparationWorkers | None = None,
        caches: CacheBounds | None = None,
        document_limits: DocumentLimits | None = None,
        operation_limits: OperationLimits | None = None,
        override_labels: frozenset[str] = frozenset(),
        introspection: bool = True,
        error_policy: ErrorPolicy | None = None,
        default_list_size: int = 10,
        data_path: Literal["native", "python"] = "native",
        defer_support: bool = False,
    ) -> None:
        caches = caches or CacheBounds()
        if defer_support:  # clients validate against a schema that declares @defer
            supergraph = replace(supergraph, api_schema=with_defer(supergraph.api_schema))
        self.data_path = data_path
        self.tree_schema = native_schema(supergraph) if data_path == "native" else None
        self.supergraph = supergraph
        self.client = client
        self.workers = workers or PreparationWorkers()
        self.plans = PlanCache(supergraph, caches.plan_entries, caches.plan_bytes)
        self.operations = OperationPreparer(
            supergraph.api_schema,
            introspection=introspection,
            document_limits=document_limits,
            operation_limits=operation_limits,
            cache_entries=caches.operation_entries,
            cache_bytes=caches.operation_bytes,
        )
        watch_cache("plan", self.plans.cache)
        watch_cache("operation", self.operations.cache)
        self.index = SchemaIndex(supergraph)
        self.authorization = AuthorizationRules.from_directives(supergraph.directives)
        self.policy_names = self.authorization.policy_names()
        # graphql-core builds its schema lookups on first use; do it now rather than inside
        # the first request's CPU budget.
        warm_up = "{ __typename }"
        self.operations.prepare(warm_up, None, operation_digest(warm_up, None))
        self.cost = CostModel(
            supergraph.api_schema, supergraph.cost, default_list_size=default_list_size
        )
        self._cache_policies = BoundedCache[str, CachePolicy](
            max_entries=caches.operation_entries, max_bytes=max(caches.operation_entries, 1) * 64
        )
        self.override_labels = override_labels
        self.error_policy = error_policy or ErrorPolicy()
        self._percent_labels = sorted(
            {
                entry.override_label
                for meta in supergraph.types.values()
                for fm in meta.fields.values()
                for entry in fm.graphs.values()
                if entry.override_label and entry.override_label.startswith("percent(")
            }
        )

    def active_labels(self) -> frozenset[str]:
        """Configured labels, plus each ``percent(N)`` label drawn for this request."""
        drawn = {
            label
            for label in self._percent_labels
            if random.random() * 100 < float(label[len("percent(") : -1])  # noqa: S311
        }
        return self.override_labels | drawn

    async def prepare(self, source: str, operation_name: str | None) -> PreparedOperation:
        """Parse, limit, validate and normalize a request's document (cached when valid).

        Raises :class:`~router.operation.errors.OperationRefusedError` past a limit or the
        CPU budget.
        """
        digest = operation_digest(source, operation_name)
        prepared = self.operations.cached(digest)
        if prepared is not None:
            return prepared
        return await self.workers.run(
            lambda: self.operations.prepare(source, operation_name, digest)
        )

    def cache_policy(self, prepared: PreparedOperation) -> CachePolicy:
        """How long the operation's response may be cached (``@cacheControl``), computed once
        per prepared operation."""
        policy = self._cache_policies.get(prepared.digest)
        if policy is None:
            normalized = prepared.normalized
            policy = (
                operation_cache_policy(
                    normalized, self.supergraph.api_schema, self.supergraph.cache_hints
                )
                if normalized is not None
                else UNCACHEABLE
            )
            self._cache_policies.put(prepared.digest, policy, 64)
        return policy

    def estimate_cost(self, prepared: PreparedOperation, variables: Mapping[str, Any]) -> int:
        """The static cost of a prepared operation with these (coerced) variables."""
        if prepared.operation is None:
            return 0
        return self.cost.estimate(prepared.operation, prepared.fragments, variables)

    def actual_cost(self, prepared: PreparedOperation, result: GraphQLResult) -> int:
        if result.actual_cost is not None:
            return result.actual_cost
        if prepared.operation is None:
            return 0
        return self.cost.actual(prepared.operation, prepared.fragments, result.data)

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        viewer: Viewer = ANONYMOUS,
        *,
        with_cost: bool = True,
    ) -> GraphQLResult:
        """Run a prepared, valid operation whose variables are already coerced, as ``viewer``
        may see it. ``with_cost=False`` says nobody will read the actual cost (demand control
        is off): the compiled path then does not compute it."""
        document, operation, normalized = prepared.document, prepared.operation, prepared.normalized
        if document is None or operation is None or normalized is None:
            raise RouterError("the operation is not valid", code="GRAPHQL_VALIDATION_FAILED")
        authorized = authorize_operation(
            self.supergraph.api_schema, self.authorization, normalized, viewer
        )
        labels = self.active_labels()
        key = self.plans.key(prepared.digest, prepared.operation_name, labels, authorized.signature)
        plan = self.plans.cached(key)
        if plan is None:
            with step("graphql.plan"):
                planned = await self.workers.run(
                    lambda: plan_normalized(self.supergraph, authorized.operation, labels)
                )
            plan = self.plans.store(key, planned)
        if self.tree_schema is not None and not prepared.introspection:
            native = await self._execute_native(
                prepared, plan, variables, headers, authorized.denied, with_cost=with_cost
            )
            if native is not None:
                _NATIVE_EXECUTIONS.inc()
                return native
        _PYTHON_EXECUTIONS.inc()
        result = await execute_plan(
            plan,
            self.supergraph,
            self.client,
            variables,
            type_matches=self.index.type_matches,
            headers=headers,
            error_policy=self.error_policy,
        )
        errors = result.errors
        with step("graphql.merge"):
            data = shape_response(
                self.supergraph.api_schema, normalized, result.data, variables, errors,
                authorized.denied,
            )  # fmt: skip
        if prepared.introspection and data is not None:
            data = self._with_introspection(document, operation, variables, data, errors)
        return GraphQLResult(data, errors)

    async def _execute_native(
        self,
        prepared: PreparedOperation,
        plan: QueryPlan,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        denied: frozenset[int],
        *,
        with_cost: bool,
    ) -> GraphQLResult | None:
        """The plan run on the compiled data path; None when it needs the reference path."""
        assert self.tree_schema is not None
        assert prepared.operation is not None
        assert prepared.normalized is not None
        compiled = plan.executor_cache
        if not isinstance(compiled, _Compiled):
            compiled = _Compiled(
                compile_plan(plan),
                switch_variables(prepared.normalized),
                compile_cost(self.cost, prepared.operation, prepared.fragments),
            )
            plan.executor_cache = compiled
        if compiled.native is None or not compiled.native.covers(variables):
            return None
        switches = tuple(variables.get(name) for name in compiled.switches)
        shape = compiled.shapes.get(switches)
        if shape is None:
            shape = compile_shape(
                self.supergraph.api_schema, prepared.normalized, variables, denied
            )
            if shape is None:
                return None
            if len(compiled.shapes) >= _SHAPES_PER_PLAN:
                compiled.shapes.clear()
            compiled.shapes[switches] = shape
        result = await execute_native(
            compiled.native, self.tree_schema, self.supergraph, self.client, variables, shape,
            compiled.cost if with_cost else None, headers=headers, error_policy=self.error_policy,
        )  # fmt: skip
        actual = None  # not computed: nobody reads it
        if with_cost:
            actual = 0 if result.data_json is None else result.actual_cost
            if (
                result.data_json is not None
                and prepared.operation.operation == OperationType.MUTATION
            ):
                actual = min(actual + MUTATION_COST, COST_CAP)
        return GraphQLResult(errors=result.errors, data_json=result.data_json,
                             actual_cost=actual)  # fmt: skip

    def _with_introspection(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        data: JSONObject,
        errors: list[JSONObject],
    ) -> JSONObject:
        introspected, introspection_errors = execute_introspection(
            self.supergraph.api_schema, document, operation, variables
        )
        errors.extend(introspection_errors)
        merged: JSONObject = {}
        for selection in operation.selection_set.selections:
            key = getattr(selection, "alias", None) or getattr(selection, "name", None)
            name = key.value if key is not None else None
            if name in introspected:
                merged[name] = introspected[name]
        for key, value in data.items():
            merged.setdefault(key, value)
        return merged
