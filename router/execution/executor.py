"""The plan interpreter: ``execute_node`` switches on node kind and calls subgraph clients."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from router.execution.client import SubgraphClient, SubgraphError
from router.execution.context import (
    EntityBatch,
    batch_of_error,
    batch_request,
    batch_results,
    context_values,
)
from router.execution.entities import (
    build_representation,
    deep_merge,
    objects_at,
    representation_fragment,
    undo_aliases,
)
from router.planning.operation import field_name_of
from router.planning.plan import (
    Condition,
    Defer,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Sequence,
)
from router.supergraph import Supergraph
from router.types import JSONObject

log = logging.getLogger("shopgraph.router")

REDACTED = "Subgraph errors redacted"


@dataclass(frozen=True)
class ErrorPolicy:
    """Whether subgraph error messages reach clients (by default they do not: a message can
    carry internals); ``extensions.code``, ``path`` and the subgraph's name always do, and the
    message is logged."""

    include_messages: bool = False
    subgraphs: Mapping[str, bool] = field(default_factory=dict)
    """Per subgraph name, overriding ``include_messages``."""

    def shows(self, subgraph: str) -> bool:
        return self.subgraphs.get(subgraph, self.include_messages)


@dataclass
class ExecutionResult:
    data: JSONObject
    errors: list[JSONObject] = field(default_factory=list)


async def execute_plan(
    plan: QueryPlan,
    supergraph: Supergraph,
    client: SubgraphClient,
    variables: Mapping[str, Any],
    *,
    type_matches: Callable[[str, str | None], bool],
    headers: Mapping[str, str] | None = None,
    error_policy: ErrorPolicy | None = None,
) -> ExecutionResult:
    """Run every fetch of ``plan``; return the merged raw data and the subgraph errors."""
    run = PlanRun(supergraph, client, variables, type_matches, headers or {}, error_policy)
    if plan.node is not None:
        await run.execute_node(plan.node)
    return ExecutionResult(run.data, run.errors)


class PlanRun:
    """One plan's execution: the merged raw ``data`` and the subgraph ``errors``."""

    def __init__(
        self,
        supergraph: Supergraph,
        client: SubgraphClient,
        variables: Mapping[str, Any],
        type_matches: Callable[[str, str | None], bool],
        headers: Mapping[str, str],
        error_policy: ErrorPolicy | None = None,
    ) -> None:
        self.error_policy = error_policy or ErrorPolicy()
        self.supergraph = supergraph
        self.client = client
        self.variables = variables
        self.type_matches = type_matches
        self.headers = headers
        self.data: JSONObject = {}
        self.errors: list[JSONObject] = []

    def is_abstract(self, type_name: str) -> bool:
        meta = self.supergraph.types.get(type_name)
        return meta is not None and meta.kind in ("INTERFACE", "UNION")

    async def execute_node(self, node: PlanNode) -> None:
        if isinstance(node, Sequence):
            for child in node.nodes:
                await self.execute_node(child)
        elif isinstance(node, Parallel):
            await asyncio.gather(*(self.execute_node(child) for child in node.nodes))
        elif isinstance(node, Flatten):
            assert isinstance(node.node, Fetch), "Flatten wraps a Fetch"
            await self.entity_fetch(node.node, node.path)
        elif isinstance(node, Fetch):
            await self.root_fetch(node)
        elif isinstance(node, Condition):
            chosen = node.if_clause if self.variables.get(node.condition) else node.else_clause
            if chosen is not None:
                await self.execute_node(chosen)
        elif isinstance(node, Defer):
            await self.execute_defer(node)

    async def execute_defer(self, node: Defer) -> None:
        """Every part, for one response: the root's deferred parts with the primary, the
        others after it."""
        independent = [p.node for p in node.deferred if p.node is not None and not p.query_path]
        dependent = [p.node for p in node.deferred if p.node is not None and p.query_path]
        first = [node.primary] if node.primary is not None else []
        await asyncio.gather(*(self.execute_node(n) for n in (*first, *independent)))
        await asyncio.gather(*(self.execute_node(n) for n in dependent))

    def _variables(self, fetch: Fetch) -> JSONObject:
        return {
            name: self.variables[name] for name in fetch.variable_usages if name in self.variables
        }

    async def _send(
        self, fetch: Fetch, variables: JSONObject, operation: str | None = None
    ) -> JSONObject | None:
        graph = self.supergraph.graphs[fetch.graph]
        body: JSONObject = {"query": operation or fetch.operation}
        if variables:
            body["variables"] = variables
        try:
            return await self.client.send(graph.name, graph.url, body, self.headers,
                                          retry=fetch.operation_kind == "query")  # fmt: skip
        except SubgraphError as error:
            self.errors.append(subgraph_error(error, graph.name))
            return None

    async def root_fetch(self, fetch: Fetch) -> None:
        response = await self._send(fetch, self._variables(fetch))
        if response is None:
            return
        data = response.get("data")
        if isinstance(data, dict):
            undo_aliases(data, fetch.rewrites, self.type_matches)
            deep_merge(self.data, data, self.is_abstract)
        for error in _errors_of(response):
            self.errors.append(self._client_error(error, fetch, error.get("path")))

    async def entity_fetch(self, fetch: Fetch, path: list[str]) -> None:
        batches = self._entity_batches(fetch, path)
        if not batches:
            return
        operation, variables = batch_request(fetch, batches, self._variables(fetch))
        response = await self._send(fetch, variables, operation)
        if response is None:
            return
        for batch, entities in zip(batches, batch_results(response.get("data"), len(batches)),
                                   strict=True):  # fmt: skip
            if not isinstance(entities, list):
                continue
            for entity, receivers in zip(entities, batch.targets, strict=False):
                if isinstance(entity, dict):
                    undo_aliases(entity, fetch.rewrites, self.type_matches)
                    for obj, _ in receivers:
                        deep_merge(obj, entity, self.is_abstract)
        for error in _errors_of(response):
            for client_path in self._entity_error_paths(error.get("path"), batches, path):
                self.errors.append(self._client_error(error, fetch, client_path))

    def _entity_batches(self, fetch: Fetch, path: list[str]) -> list[EntityBatch]:
        """The representations of the objects at ``path``, deduplicated; in one batch, or
        one per set of contextual argument values when the fetch has them."""
        assert fetch.requires is not None
        batches: dict[bytes, EntityBatch] = {}
        for obj, obj_path in objects_at(self.data, path):
            typename = obj.get("__typename")
            fragment = representation_fragment(fetch.requires, typename, self.type_matches)
            if fragment is None or not isinstance(typename, str):
                continue
            representation = build_representation(obj, fragment.selections, self.type_matches)
            if representation is None:
                continue
            condition = fragment.type_condition or typename
            representation["__typename"] = fetch.typename_for.get(condition, typename)
            values = context_values(self.data, obj_path, fetch.context_rewrites,
                                    self.type_matches)  # fmt: skip
            key = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
            batches.setdefault(key, EntityBatch(values)).add(representation, (obj, obj_path))
        return list(batches.values())

    @staticmethod
    def _entity_error_paths(
        error_path: Any, batches: list[EntityBatch], path: list[str]
    ) -> list[list[str | int] | None]:
        found = batch_of_error(error_path, len(batches))
        if found is not None:
            batch, index, rest = found
            if index < len(batches[batch].targets):
                return [obj_path + rest for _, obj_path in batches[batch].targets[index]]
        return [None]

    def _client_error(self, error: JSONObject, fetch: Fetch, path: Any) -> JSONObject:
        return client_error(error, self.supergraph.graphs[fetch.graph].name, path,
                            self.error_policy)  # fmt: skip


def subgraph_error(error: SubgraphError, service: str) -> JSONObject:
    """A subgraph that could not be asked: the router's own words (timeouts, HTTP
    statuses), never the subgraph's."""
    return {"message": error.message, "extensions": {"code": error.code, "serviceName": service}}


def client_error(error: JSONObject, service: str, path: Any, policy: ErrorPolicy) -> JSONObject:
    """A subgraph's error as the client sees it: redacted unless ``policy`` shows it, with
    its code, the subgraph's name, and ``path`` in the client's response keys."""
    message = str(error.get("message") or "Subgraph error")
    raw_extensions = error.get("extensions")
    extensions = dict(raw_extensions) if isinstance(raw_extensions, dict) else {}
    code = extensions.get("code")
    code = code if isinstance(code, str) else "DOWNSTREAM_SERVICE_ERROR"
    if policy.shows(service):
        extensions["code"] = code
    else:
        log.info("subgraph %s error (%s): %s", service, code, message)
        message, extensions = REDACTED, {"code": code}
    extensions["serviceName"] = service
    out: JSONObject = {"message": message, "extensions": extensions}
    if isinstance(path, list) and path and all(isinstance(p, str | int) for p in path):
        # A field the planner added under an internal alias is named as the client would.
        out["path"] = [field_name_of(p) if isinstance(p, str) else p for p in path]
    return out


def _errors_of(response: JSONObject) -> list[JSONObject]:
    errors = response.get("errors")
    if not isinstance(errors, list):
        return []
    return [error for error in errors if isinstance(error, dict)]
