"""One supergraph, served: validate → plan (cached) → execute → shape, HTTP-free."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode

from router.execution.client import SubgraphClient
from router.execution.executor import execute_plan
from router.execution.introspection import execute_introspection
from router.execution.prepare import OperationCache, PreparedOperation
from router.execution.response import shape_response
from router.planning import PlanCache
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph
from router.types import JSONObject, RouterError


@dataclass
class GraphQLResult:
    data: JSONObject | None
    errors: list[JSONObject] = field(default_factory=list)

    def to_json(self) -> JSONObject:
        out: JSONObject = {}
        if self.errors:
            out["errors"] = self.errors
        out["data"] = self.data
        return out


class RouterService:
    """Serves operations over one supergraph; a new supergraph gets a new service."""

    def __init__(
        self,
        supergraph: Supergraph,
        client: SubgraphClient,
        *,
        plan_cache_size: int = 1000,
        override_labels: frozenset[str] = frozenset(),
        introspection: bool = True,
    ) -> None:
        self.supergraph = supergraph
        self.client = client
        self.plans = PlanCache(supergraph, max_size=plan_cache_size)
        self.operations = OperationCache(
            supergraph.api_schema, introspection=introspection, max_size=plan_cache_size
        )
        self.index = SchemaIndex(supergraph)
        self.override_labels = override_labels
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

    def prepare(self, source: str, operation_name: str | None) -> PreparedOperation:
        """Parse, validate and normalize a request's document (cached)."""
        return self.operations.prepare(source, operation_name)

    async def execute(
        self,
        prepared: PreparedOperation,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> GraphQLResult:
        """Run a prepared, valid operation whose variables are already coerced."""
        document, operation, normalized = prepared.document, prepared.operation, prepared.normalized
        if document is None or operation is None or normalized is None:
            raise RouterError("the operation is not valid", code="GRAPHQL_VALIDATION_FAILED")
        operation_name = prepared.operation_name
        plan = self.plans.plan(
            document, operation_name, self.active_labels(), source=prepared.source
        )
        result = await execute_plan(
            plan,
            self.supergraph,
            self.client,
            variables,
            type_matches=self.index.type_matches,
            headers=headers,
        )
        errors = result.errors
        data = shape_response(
            self.supergraph.api_schema, normalized, result.data, variables, errors
        )
        if prepared.introspection and data is not None:
            data = self._with_introspection(document, operation, variables, data, errors)
        return GraphQLResult(data, errors)

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
