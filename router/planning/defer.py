"""Plan ``@defer``: a primary part that is answered first, and deferred parts that follow.

A query's fragments marked ``@defer`` (and not ``if: false``) leave the primary operation;
where one sits on an entity, the primary selects that entity's key instead, and the fragment
is planned as entity fetches that start from the primary's objects at its path (even when the
same subgraph could have answered it with the primary: that is the point of deferring). A
fragment at the root is planned as a query of its own, which waits for nothing. A fragment on
a value type or an abstract type has no key to start from: its fields come with the primary
fetches and it is only *sent* later.

``@defer(if: $var)`` gives a ``Condition`` on ``$var`` with both plans, as Apollo's planner
does. A ``@defer`` inside a deferred fragment is delivered with the outer one. Mutations and
subscriptions are never deferred. Each deferred fragment is named by :func:`defer_key`, the
same for the operation the planner sees (authorized) and the one responses are shaped from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import BooleanValueNode, DirectiveNode, VariableNode

from router.planning.build_plan import build_plan
from router.planning.errors import PlanningError
from router.planning.fetch_graph import FetchDraft, FetchGraphBuilder
from router.planning.operation import (
    Field,
    InlineFragment,
    Operation,
    Selection,
    merge_all,
    print_selections,
)
from router.planning.plan import Condition, Defer, DeferredNode, PlanNode
from router.planning.schema_index import SchemaIndex
from router.supergraph import Supergraph

DEFER = "defer"
ROOT_TYPES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
# @defer(if: $v) plans both ways per variable: past this many variables, defer is ignored.
MAX_DEFER_VARIABLES = 4


class DeferPlanningError(PlanningError):
    """A deferred fragment could not be planned."""


@dataclass
class DeferredFragment:
    """A fragment to defer, where it is, and what is needed to reach it."""

    key: str
    label: str | None
    path: tuple[str, ...]
    """Response keys from the root, ``@`` for each list level."""
    type_name: str
    """The type the fragment's fields are asked of."""
    fragment: InlineFragment
    conditions: tuple[DirectiveNode, ...]
    """The variable ``@skip``/``@include`` met on the way, the fragment's own included."""
    entity: bool = False
    """Reached through an entity fetch (its key selected by the primary)."""


@dataclass
class DeferSplit:
    primary: list[Selection]
    fragments: list[DeferredFragment] = field(default_factory=list)


def defer_directive(selection: Selection) -> DirectiveNode | None:
    return next((d for d in selection.directives if d.name.value == DEFER), None)


def defer_key(segments: Iterable[str]) -> str:
    """A deferred fragment's name: the response keys down to it, ``#n`` for the n-th fragment
    of a selection set. Authorization only ever removes fields, so the name survives it."""
    return "/".join(segments)


def defer_label(directive: DirectiveNode) -> str | None:
    for argument in directive.arguments:
        if argument.name.value == "label":
            value = getattr(argument.value, "value", None)
            return value if isinstance(value, str) else None
    return None


def defer_enabled(directive: DirectiveNode, variables: Mapping[str, Any]) -> bool:
    """Whether ``@defer`` defers, with these (coerced, or assumed) variable values."""
    for argument in directive.arguments:
        if argument.name.value != "if":
            continue
        value = argument.value
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value) is not False
    return True


def defer_variables(selections: list[Selection]) -> list[str]:
    """The variables ``@defer(if:)`` reads, in order of appearance."""
    found: list[str] = []
    for selection in selections:
        directive = defer_directive(selection)
        for argument in directive.arguments if directive else ():
            value = argument.value
            if argument.name.value == "if" and isinstance(value, VariableNode):
                found += [value.name.value] if value.name.value not in found else []
        found += [v for v in defer_variables(selection.selections) if v not in found]
    return found


def has_defer(selections: list[Selection]) -> bool:
    return any(defer_directive(s) is not None or has_defer(s.selections) for s in selections)


def without_defer(selections: list[Selection]) -> list[Selection]:
    """Copies with every ``@defer`` removed: subgraphs never see it."""
    result: list[Selection] = []
    for selection in selections:
        inner = without_defer(selection.selections)
        if isinstance(selection, Field):
            copy = selection.shallow_copy()
            copy.selections = inner
            result.append(copy)
        else:
            kept = tuple(d for d in selection.directives if d.name.value != DEFER)
            result.append(InlineFragment(selection.type_condition, inner, kept))
    return result


def _conditions(directives: tuple[DirectiveNode, ...]) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in directives if d.name.value in ("skip", "include"))


# -- splitting -----------------------------------------------------------------------------------
class _Splitter:
    def __init__(
        self, index: SchemaIndex, assignment: Mapping[str, Any], *, with_keys: bool = True
    ) -> None:
        self.index = index
        self.assignment = assignment
        self.with_keys = with_keys
        self.fragments: list[DeferredFragment] = []

    def walk(
        self,
        type_name: str,
        selections: list[Selection],
        path: tuple[str, ...],
        key: tuple[str, ...],
        conditions: tuple[DirectiveNode, ...],
    ) -> list[Selection]:
        kept: list[Selection] = []
        ordinal = 0
        for selection in selections:
            if isinstance(selection, Field):
                kept.append(self._field(type_name, selection, path, key, conditions))
                continue
            here = (*key, f"#{ordinal}")
            ordinal += 1
            directive = defer_directive(selection)
            inner_conditions = conditions + _conditions(selection.directives)
            if directive is not None and defer_enabled(directive, self.assignment):
                merge_all(kept, self._defer(type_name, selection, directive, path, here,
                                            inner_conditions))  # fmt: skip
                continue
            condition = selection.type_condition or type_name
            inner = self.walk(condition, selection.selections, path, here, inner_conditions)
            directives = tuple(d for d in selection.directives if d.name.value != DEFER)
            kept.append(InlineFragment(selection.type_condition, inner, directives))
        return kept

    def _field(
        self,
        type_name: str,
        selection: Field,
        path: tuple[str, ...],
        key: tuple[str, ...],
        conditions: tuple[DirectiveNode, ...],
    ) -> Field:
        copy = selection.shallow_copy()
        if selection.name.startswith("__"):  # introspection: answered by the router
            copy.selections = without_defer(selection.selections)
        elif selection.selections:
            child, depth = self.index.return_shape(type_name, selection.name)
            copy.selections = self.walk(
                child,
                selection.selections,
                (*path, selection.key, *("@",) * depth),
                (*key, selection.key),
                conditions + _conditions(selection.directives),
            )
        return copy

    def _defer(
        self,
        type_name: str,
        fragment: InlineFragment,
        directive: DirectiveNode,
        path: tuple[str, ...],
        key: tuple[str, ...],
        conditions: tuple[DirectiveNode, ...],
    ) -> list[Selection]:
        """Record a deferred fragment; return what the primary selects in its place."""
        fragment_type = fragment.type_condition or type_name
        stripped = InlineFragment(
            fragment.type_condition,
            without_defer(fragment.selections),
            tuple(d for d in fragment.directives if d.name.value != DEFER),
        )
        deferred = DeferredFragment(defer_key(key), defer_label(directive), path, fragment_type,
                                    stripped, conditions)  # fmt: skip
        self.fragments.append(deferred)
        if not path or not self.with_keys:
            return []
        keys = self.entity_keys(fragment_type)
        if keys is None:
            # Nothing to start an entity fetch from: fetched with the primary, sent later.
            return [stripped]
        deferred.entity = True
        if fragment_type == type_name:
            return keys
        return [InlineFragment(fragment_type, keys)]

    def entity_keys(self, type_name: str) -> list[Selection] | None:
        """``__typename`` and a key of an object entity type: the one most of its subgraphs
        share, and the first of each subgraph that lacks it."""
        if self.index.is_abstract(type_name):
            return None
        by_graph = [
            [key.fields for key in self.index.keys(graph, type_name, resolvable=True)]
            for graph in sorted(self.index.graphs_of(type_name))
        ]
        every = [fields for keys in by_graph for fields in keys]
        if not every:
            return None
        chosen = max(dict.fromkeys(every), key=every.count)
        selections: list[Selection] = [Field("__typename")]
        for fields in [chosen, *(keys[0] for keys in by_graph if keys and chosen not in keys)]:
            merge_all(selections, self.index.field_set(type_name, fields))
        return selections


def split_operation(
    index: SchemaIndex,
    operation: Operation,
    assignment: Mapping[str, Any],
    *,
    with_keys: bool = True,
) -> DeferSplit:
    """The primary selections and the fragments deferred with these ``if`` values; without
    ``with_keys``, the primary as the client reads it (no key selected in a fragment's place)."""
    splitter = _Splitter(index, assignment, with_keys=with_keys)
    root = ROOT_TYPES[operation.kind]
    primary = splitter.walk(root, operation.selections, (), (), ())
    return DeferSplit(primary, splitter.fragments)


# -- planning ------------------------------------------------------------------------------------
def plan_deferred_operation(
    supergraph: Supergraph, index: SchemaIndex, operation: Operation
) -> PlanNode | None:
    """The plan of a query with ``@defer``: a ``Defer`` node (under a ``Condition`` per
    ``if`` variable); or the plan of the operation without ``@defer`` when none defers."""
    variables = defer_variables(operation.selections)
    if len(variables) > MAX_DEFER_VARIABLES:
        # Deferring is a hint: past the limit, fragments with a variable ``if`` are not.
        return _plan_one(supergraph, index, operation, dict.fromkeys(variables, False))
    return _plan_conditions(supergraph, index, operation, variables, {})


def _plan_conditions(
    supergraph: Supergraph,
    index: SchemaIndex,
    operation: Operation,
    variables: list[str],
    assignment: dict[str, bool],
) -> PlanNode | None:
    if not variables:
        return _plan_one(supergraph, index, operation, assignment)
    name, rest = variables[0], variables[1:]
    on = _plan_conditions(supergraph, index, operation, rest, {**assignment, name: True})
    off = _plan_conditions(supergraph, index, operation, rest, {**assignment, name: False})
    return Condition(name, on, off)


def _plan_one(
    supergraph: Supergraph, index: SchemaIndex, operation: Operation, assignment: Mapping[str, Any]
) -> PlanNode | None:
    split = split_operation(index, operation, assignment)
    primary_operation = _with_selections(operation, split.primary)
    drafts = FetchGraphBuilder(index, primary_operation).build()
    primary = build_plan(supergraph, primary_operation, drafts).node
    if not split.fragments:
        return primary
    deferred = [_plan_fragment(supergraph, index, operation, f, drafts) for f in split.fragments]
    client_view = split_operation(index, operation, assignment, with_keys=False).primary
    return Defer(primary, print_selections(client_view) or "{}", deferred)


def _plan_fragment(
    supergraph: Supergraph,
    index: SchemaIndex,
    operation: Operation,
    deferred: DeferredFragment,
    primary: list[FetchDraft],
) -> DeferredNode:
    fragment = deferred.fragment
    subselection = print_selections(fragment.selections)
    if not deferred.path:
        wrapped: Selection = InlineFragment(None, list(fragment.selections))
        for condition in reversed(deferred.conditions):
            wrapped = InlineFragment(None, [wrapped], (condition,))
        part = _with_selections(operation, [wrapped])
        node = build_plan(supergraph, part, FetchGraphBuilder(index, part).build()).node
        return DeferredNode([], deferred.label, [], subselection, node, deferred.key,
                            deferred.type_name)  # fmt: skip
    depends = _depends(primary, deferred.path)
    node = _plan_entity_part(supergraph, index, operation, deferred) if deferred.entity else None
    return DeferredNode(depends, deferred.label, list(deferred.path), subselection, node,
                        deferred.key, deferred.type_name)  # fmt: skip


def _depends(primary: list[FetchDraft], path: tuple[str, ...]) -> list[int]:
    """The primary fetches that write at or above ``path``: root fetches that select its
    first field, entity fetches at a path above it."""
    return [
        draft.id
        for draft in primary
        if draft.selections
        and path[: len(draft.path)] == draft.path
        and (draft.path or _selects(draft.selections, path[0]))
    ]


def _selects(selections: list[Selection], key: str) -> bool:
    return any(
        s.key == key if isinstance(s, Field) else _selects(s.selections, key) for s in selections
    )


def _plan_entity_part(
    supergraph: Supergraph, index: SchemaIndex, operation: Operation, deferred: DeferredFragment
) -> PlanNode | None:
    """Entity fetches for the fragment's fields, from the objects the primary put at its
    path (with their keys)."""
    keys = _Splitter(index, {}).entity_keys(deferred.type_name) or []
    builder = FetchGraphBuilder(index, operation)
    try:
        # The fragment's own @skip/@include are among the conditions the fetches get.
        drafts = builder.build_from(deferred.path, deferred.type_name, keys, deferred.conditions,
                                    list(deferred.fragment.selections))  # fmt: skip
    except PlanningError as error:
        where = ".".join(deferred.path)
        raise DeferPlanningError(f"The fragment deferred at {where}: {error.message}") from error
    return build_plan(supergraph, operation, drafts).node


def _with_selections(operation: Operation, selections: list[Selection]) -> Operation:
    return Operation(operation.kind, operation.name, operation.variable_definitions, selections)


# -- at execution --------------------------------------------------------------------------------
def deferred_fragments(
    operation: Operation, variables: Mapping[str, Any]
) -> dict[str, InlineFragment]:
    """The fragments of ``operation`` (the client's, as validated) that these variables
    defer, by :func:`defer_key`, outermost only."""
    found: dict[str, InlineFragment] = {}

    def walk(selections: list[Selection], key: tuple[str, ...]) -> None:
        ordinal = 0
        for selection in selections:
            if isinstance(selection, Field):
                walk(selection.selections, (*key, selection.key))
                continue
            here = (*key, f"#{ordinal}")
            ordinal += 1
            directive = defer_directive(selection)
            if directive is not None and defer_enabled(directive, variables):
                found[defer_key(here)] = selection
            else:
                walk(selection.selections, here)

    if operation.kind == "query":
        walk(operation.selections, ())
    return found
