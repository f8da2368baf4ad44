"""The data path compiled: plans run with the response tree held by ``shopgraph_native``.

The executor (``executor.py``), the entity helpers (``entities.py``), response shaping
(``response.py``) and the actual cost (``CostModel.actual``) are the reference; this module
runs the same plan with the JSON kept on the Rust side from the subgraphs' bytes to the
client's: the representations are built there, the answers merged there, and the client's
``data`` shaped and serialized there. Python still walks the plan, calls the subgraphs and
words the errors. ``tests/differential/test_data_paths.py`` proves both paths give identical
responses.

What depends on the schema and the operation is compiled here once per plan, into plain
tuples the extension reads: a shape program (``compile_shape``), a cost program
(``compile_cost``) and one ``shopgraph_native.Fetch`` per fetch. A plan this path does not
cover (contextual arguments, ``@defer``) runs on the reference path.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import shopgraph_native
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
)

from router.execution.client import SubgraphAnswer, SubgraphClient, SubgraphError
from router.execution.context import batch_of_error
from router.execution.executor import ErrorPolicy, client_error, subgraph_error
from router.execution.response import collect_fields, null_error_message
from router.operation.cost import _CAP, _MAX_SPREADS, CostModel
from router.planning.operation import Field, Operation, Selection
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
from router.telemetry.spans import step
from router.types import JSONObject

# -- the schema ------------------------------------------------------------------------------


def native_schema(supergraph: Supergraph) -> shopgraph_native.Schema:
    """Which object types each abstract type of the supergraph holds."""
    schema = supergraph.schema
    subtypes = {
        named.name: {t.name for t in schema.get_possible_types(named)}  # type: ignore[arg-type]
        for named in schema.type_map.values()
        if is_abstract_type(named)
    }
    abstract = {
        name for name, meta in supergraph.types.items() if meta.kind in ("INTERFACE", "UNION")
    }
    return shopgraph_native.Schema(subtypes, abstract)


# -- plans -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NativePlan:
    """A plan with each of its fetches compiled; ``fetches`` and ``queries`` (the fetch's
    operation as a JSON string, ready to send) are keyed by ``id(fetch)``."""

    plan: QueryPlan
    fetches: Mapping[int, shopgraph_native.Fetch]
    queries: Mapping[int, bytes]
    defers: bool = False
    """A branch of the plan's conditions defers (``@defer(if: $var)``): it is left to the
    reference path, the other branches compiled."""

    def covers(self, variables: Mapping[str, Any]) -> bool:
        """Whether this path runs the plan with these variables (no deferred branch taken)."""
        node = self.plan.node
        while self.defers and isinstance(node, Condition):
            node = node.if_clause if variables.get(node.condition) else node.else_clause
        return not isinstance(node, Defer)


def compile_plan(plan: QueryPlan) -> NativePlan | None:
    """The plan's fetches compiled, or None when the plan needs the reference path."""
    fetches: dict[int, shopgraph_native.Fetch] = {}
    queries: dict[int, bytes] = {}
    if isinstance(plan.node, Condition) and _defers(plan.node):
        # @defer(if: $var): compile the branches that do not defer; `covers` says which run.
        return _compile_branches(plan, plan.node)

    def visit(node: PlanNode | None, path: list[str]) -> bool:
        if node is None:
            return True
        if isinstance(node, Sequence | Parallel):
            return all(visit(child, path) for child in node.nodes)
        if isinstance(node, Condition):
            return visit(node.if_clause, path) and visit(node.else_clause, path)
        if isinstance(node, Flatten):
            return visit(node.node, node.path)
        if isinstance(node, Defer):
            return False  # incremental delivery runs on the reference path
        if node.context_rewrites:
            return False
        rewrites = [(list(r.path), r.type_condition, r.alias, r.key) for r in node.rewrites]
        requires = _requires(node.requires or [])
        fetches[id(node)] = shopgraph_native.Fetch(path, requires, node.typename_for, rewrites)
        queries[id(node)] = orjson.dumps(node.operation)
        return True

    return NativePlan(plan, fetches, queries) if visit(plan.node, []) else None


def _defers(node: PlanNode | None) -> bool:
    if isinstance(node, Condition):
        return _defers(node.if_clause) or _defers(node.else_clause)
    return isinstance(node, Defer)


def _compile_branches(plan: QueryPlan, root: Condition) -> NativePlan | None:
    """The non-deferring branches of a plan whose root conditions decide ``@defer``."""
    fetches: dict[int, shopgraph_native.Fetch] = {}
    queries: dict[int, bytes] = {}
    pending: list[PlanNode | None] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, Condition) and _defers(node):
            pending += [node.if_clause, node.else_clause]
        elif node is not None and not isinstance(node, Defer):
            compiled = compile_plan(QueryPlan(node))
            if compiled is None:
                return None
            fetches.update(compiled.fetches)
            queries.update(compiled.queries)
    return NativePlan(plan, fetches, queries, defers=True)


def _requires(selections: list[Selection]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for selection in selections:
        if isinstance(selection, Field):
            out.append(("f", selection.key, selection.name, _requires(selection.selections)))
        else:
            out.append(("i", selection.type_condition, _requires(selection.selections)))
    return out


# -- shaping ---------------------------------------------------------------------------------


def compile_shape(
    schema: GraphQLSchema,
    operation: Operation,
    variables: Mapping[str, Any],
    denied: frozenset[int] = frozenset(),
) -> shopgraph_native.Program | None:
    """The shape program of ``operation`` with these variables' ``@skip``/``@include``."""
    root = schema.get_root_type(OperationType(operation.kind))
    if root is None:
        return None
    return shopgraph_native.Program(
        _ShapeCompiler(schema, variables, denied).compile(root, operation.selections)
    )


class _ShapeCompiler:
    """``_Shaper`` of ``response.py`` run over the operation instead of the data: each object
    type and selection list becomes one shape, shared wherever it recurs."""

    def __init__(
        self, schema: GraphQLSchema, variables: Mapping[str, Any], denied: frozenset[int]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.denied = denied
        self.shapes: list[Any] = []
        self.memo: dict[tuple[str, tuple[int, ...]], int] = {}

    def compile(
        self, root: GraphQLObjectType, selections: list[Selection]
    ) -> list[tuple[str, list[tuple[Any, ...]]]]:
        self.object(root, selections)
        return self.shapes

    def object(
        self, type_: GraphQLObjectType | GraphQLInterfaceType, selections: list[Selection]
    ) -> int:
        memo_key = (type_.name, tuple(map(id, selections)))
        found = self.memo.get(memo_key)
        if found is not None:
            return found
        index = len(self.shapes)
        self.memo[memo_key] = index
        entries: list[tuple[Any, ...]] = []
        self.shapes.append((type_.name, entries))
        fields: dict[str, list[Field]] = {}
        collect_fields(self.schema, self.variables, type_, selections, fields)
        for key, same_key in fields.items():
            first = same_key[0]
            if first.name == "__typename":
                entries.append(("t", key))
                continue
            definition = type_.fields.get(first.name)
            if definition is None:
                continue
            if self.denied and any(id(f) in self.denied for f in same_key):
                entries.append(("d", key, isinstance(definition.type, GraphQLNonNull)))
                continue
            sub = [s for f in same_key for s in f.selections]
            wraps, named = _unwrap(definition.type)
            coordinate = f"{type_.name}.{first.name}"
            entries.append(("f", key, coordinate, wraps, self.leaf(named, sub)))
        return index

    def leaf(self, named: GraphQLNamedType, selections: list[Selection]) -> tuple[Any, ...]:
        if isinstance(named, GraphQLEnumType):
            return ("e", named.name, set(named.values))
        if isinstance(named, GraphQLObjectType):
            return ("o", self.object(named, selections))
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            runtime = {
                t.name: self.object(t, selections) for t in self.schema.get_possible_types(named)
            }
            itself = (
                self.object(named, selections) if isinstance(named, GraphQLInterfaceType) else None
            )
            return ("a", runtime, itself)
        return ("s",)


def _unwrap(type_: GraphQLOutputType) -> tuple[str, Any]:
    wraps = ""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        wraps += "!" if isinstance(type_, GraphQLNonNull) else "["
        type_ = type_.of_type
    return wraps, type_


def shape_errors(raw: bytes) -> list[JSONObject]:
    """The errors the compiled shaper found, worded as ``response.py`` words them."""
    out: list[JSONObject] = []
    for found in orjson.loads(raw):
        kind, path = found["kind"], found["path"]
        if kind == "null":
            out.append({"message": null_error_message(found["field"]), "path": path,
                        "extensions": {"code": "INVALID_GRAPHQL"}})  # fmt: skip
        elif kind == "enum":
            out.append({"message": f"Enum '{found['enum']}' cannot represent value: "
                                   f"{found['value']!r}",
                        "path": path, "extensions": {"code": "INVALID_ENUM_VALUE"}})  # fmt: skip
        else:
            out.append({"message": "Unauthorized field or type", "path": path,
                        "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}})  # fmt: skip
    return out


def switch_variables(operation: Operation) -> tuple[str, ...]:
    """The variables ``@skip`` and ``@include`` read anywhere in ``operation``."""
    names: dict[str, None] = {}
    stack: list[Selection] = list(operation.selections)
    while stack:
        selection = stack.pop()
        for directive in selection.directives:
            if directive.name.value in ("skip", "include"):
                for argument in directive.arguments:
                    if isinstance(argument.value, VariableNode):
                        names[argument.value.name.value] = None
        stack.extend(selection.selections)
    return tuple(sorted(names))


# -- the actual cost -------------------------------------------------------------------------


def compile_cost(
    model: CostModel,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> shopgraph_native.CostProgram | None:
    """``CostModel._actual_set`` compiled over the document, for ``Tree.shape``."""
    root = model.schema.get_root_type(operation.operation)
    if root is None:
        return None
    sets: list[list[tuple[Any, ...]]] = []
    memo: dict[tuple[str, int, int], int] = {}

    def compile_set(parent: GraphQLNamedType, selection_set: SelectionSetNode, spreads: int) -> int:
        key = (parent.name, id(selection_set), spreads)
        if key in memo:
            return memo[key]
        index = len(sets)
        memo[key] = index
        entries: list[tuple[Any, ...]] = []
        sets.append(entries)
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                definition = getattr(parent, "fields", {}).get(node.name.value)
                if definition is None:
                    continue
                weight = model.field_weight(parent.name, node.name.value, definition)
                named = get_named_type(definition.type)
                inner = compile_set(named, node.selection_set, 0) if node.selection_set else None
                entries.append(("f", (node.alias or node.name).value, weight, inner))
                continue
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner_type = model.schema.get_type(condition.name.value) if condition else parent
                inner_set = node.selection_set
            elif isinstance(node, FragmentSpreadNode) and spreads < _MAX_SPREADS:
                fragment = fragments.get(node.name.value)
                if fragment is None:
                    continue
                inner_type = model.schema.get_type(fragment.type_condition.name.value)
                inner_set = fragment.selection_set
            else:
                continue
            if inner_type is not None:
                entries.append(("g", compile_set(inner_type, inner_set, spreads + 1)))
        return index

    compile_set(root, operation.selection_set, 0)
    assert _CAP == 10**18, "the extension caps costs at 10**18 too"
    return shopgraph_native.CostProgram(sets)


# -- running a plan --------------------------------------------------------------------------


@dataclass
class NativeResult:
    data_json: bytes | None
    errors: list[JSONObject]
    actual_cost: int


async def execute_native(
    native: NativePlan,
    tree_schema: shopgraph_native.Schema,
    supergraph: Supergraph,
    client: SubgraphClient,
    variables: Mapping[str, Any],
    shape: shopgraph_native.Program,
    cost: shopgraph_native.CostProgram | None,
    *,
    headers: Mapping[str, str] | None = None,
    error_policy: ErrorPolicy | None = None,
) -> NativeResult:
    """Run every fetch of the plan, then shape the client's data: the reference executor
    and ``shape_response`` in one, with the JSON on the Rust side."""
    run = _NativeRun(native, tree_schema, supergraph, client, variables, headers or {},
                     error_policy or ErrorPolicy())  # fmt: skip
    if native.plan.node is not None:
        await run.node(native.plan.node)
    paths = orjson.dumps([error.get("path") for error in run.errors])
    with step("graphql.merge"):
        data, found, actual = run.tree.shape(shape, paths, cost)
    return NativeResult(data, [*run.errors, *shape_errors(found)], actual)


class _NativeRun:
    def __init__(
        self,
        native: NativePlan,
        tree_schema: shopgraph_native.Schema,
        supergraph: Supergraph,
        client: SubgraphClient,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        error_policy: ErrorPolicy,
    ) -> None:
        self.native = native
        self.tree = shopgraph_native.Tree(tree_schema)
        self.supergraph = supergraph
        self.client = client
        self.variables = variables
        self.headers = headers
        self.error_policy = error_policy
        self.errors: list[JSONObject] = []

    async def node(self, node: PlanNode) -> None:
        if isinstance(node, Sequence):
            for child in node.nodes:
                await self.node(child)
        elif isinstance(node, Parallel):
            await self.parallel(node.nodes)
        elif isinstance(node, Flatten | Fetch):
            await self.parallel([node])
        elif isinstance(node, Condition):
            chosen = node.if_clause if self.variables.get(node.condition) else node.else_clause
            if chosen is not None:
                await self.node(chosen)

    async def parallel(self, children: list[PlanNode]) -> None:
        """Start every child, then finish each. A fetch's call is started without a task of
        its own (``SubgraphClient.start``), and its answer merged once every call is under
        way, in the children's order; any other child runs as a task."""
        finishes: list[Callable[[], Awaitable[None]]] = []
        for child in children:
            if isinstance(child, Flatten):
                assert isinstance(child.node, Fetch), "Flatten wraps a Fetch"
                started = self.start_entity_fetch(child.node)
                if started is not None:
                    finishes.append(functools.partial(self.finish_entity_fetch, *started))
            elif isinstance(child, Fetch):
                call = self.start_root_fetch(child)
                finishes.append(functools.partial(self.finish_root_fetch, child, call))
            else:
                task = asyncio.ensure_future(self.node(child))
                finishes.append(lambda task=task: task)  # type: ignore[misc]
        failure: Exception | None = None
        for finish in finishes:
            try:
                await finish()
            except Exception as error:  # finish the others first, as gather would
                failure = failure or error
        if failure is not None:
            raise failure

    def _variables(self, fetch: Fetch) -> JSONObject:
        if not fetch.variable_usages:
            return {}
        return {
            name: self.variables[name] for name in fetch.variable_usages if name in self.variables
        }

    def _start(self, fetch: Fetch, body: bytes) -> asyncio.Future[SubgraphAnswer]:
        graph = self.supergraph.graphs[fetch.graph]
        return self.client.start(graph.name, graph.url, body, self.headers,
                                 retry=fetch.operation_kind == "query")  # fmt: skip

    async def _answer(
        self, fetch: Fetch, call: asyncio.Future[SubgraphAnswer]
    ) -> shopgraph_native.Answer | None:
        """The subgraph's answer parsed (once for all the requests sharing the call); None,
        with the error noted, when there is none or it is not a GraphQL response."""
        try:
            answer = await call
        except SubgraphError as error:
            self.errors.append(subgraph_error(error, self.supergraph.graphs[fetch.graph].name))
            return None
        parsed = answer.decoded
        if isinstance(parsed, shopgraph_native.Answer):
            return parsed
        try:
            parsed = answer.decoded = shopgraph_native.Answer(answer.body)
        except ValueError:
            name = self.supergraph.graphs[fetch.graph].name
            unreadable = SubgraphError(
                f"subgraph '{name}' answered HTTP {answer.status} without a GraphQL response"
            )
            self.errors.append(subgraph_error(unreadable, name))
            return None
        return parsed

    def start_root_fetch(self, fetch: Fetch) -> asyncio.Future[SubgraphAnswer]:
        body = b'{"query":' + self.native.queries[id(fetch)]
        variables = self._variables(fetch)
        if variables:
            body += b',"variables":' + orjson.dumps(variables)
        return self._start(fetch, body + b"}")

    async def finish_root_fetch(self, fetch: Fetch, call: asyncio.Future[SubgraphAnswer]) -> None:
        answer = await self._answer(fetch, call)
        if answer is None:
            return
        self.tree.merge_root(self.native.fetches[id(fetch)], answer)
        for error in _errors_of(answer.errors):
            self.errors.append(self._client_error(error, fetch, error.get("path")))

    def start_entity_fetch(
        self, fetch: Fetch
    ) -> tuple[Fetch, int, asyncio.Future[SubgraphAnswer]] | None:
        """The fetch's representations, and its call started; None when there is nothing to
        fetch."""
        found = self.tree.representations(self.native.fetches[id(fetch)])
        if found is None:
            return None
        batch, representations = found
        variables = self._variables(fetch)
        inner = orjson.dumps(variables)[1:-1] + b"," if variables else b""
        body = b"".join((b'{"query":', self.native.queries[id(fetch)], b',"variables":{', inner,
                         b'"representations":', representations, b"}}"))  # fmt: skip
        return fetch, batch, self._start(fetch, body)

    async def finish_entity_fetch(
        self, fetch: Fetch, batch: int, call: asyncio.Future[SubgraphAnswer]
    ) -> None:
        answer = await self._answer(fetch, call)
        if answer is None:
            return
        self.tree.merge_entities(self.native.fetches[id(fetch)], batch, answer)
        for error in _errors_of(answer.errors):
            found_at = batch_of_error(error.get("path"), 1)
            paths: list[Any] = [None]
            if found_at is not None:
                _, index, rest = found_at
                targets = self.tree.targets(batch, index)
                if targets:
                    paths = [target + rest for target in targets]
            for client_path in paths:
                self.errors.append(self._client_error(error, fetch, client_path))

    def _client_error(self, error: JSONObject, fetch: Fetch, path: Any) -> JSONObject:
        service = self.supergraph.graphs[fetch.graph].name
        return client_error(error, service, path, self.error_policy)


def _errors_of(raw: bytes | None) -> list[JSONObject]:
    if raw is None:
        return []
    errors = orjson.loads(raw)
    return [error for error in errors if isinstance(error, dict)]
