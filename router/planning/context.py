"""Contextual arguments (Federation 2.8's ``@fromContext``): arguments the router fills itself.

A field whose ``@join__field`` lists ``contextArguments`` takes them from the nearest ancestor
whose type sets the context (``@context``). As Apollo's planner does, the field is fetched by an
entity fetch of its own type to its subgraph; the value each argument reads (the context's
selection) is planned on the ancestor like a key, in whichever fetch reaches it, so the entity
fetch runs after it; and the entity fetch carries a rewrite per argument, telling the executor
where each entity's value is, relative to that entity (``..`` one field up, ``... on Shop`` a
type condition), and the variable that passes it (``contextualArgument_2_1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphql import ArgumentNode, GraphQLUnionType, NameNode, VariableNode

from router.planning.errors import PlanningError
from router.planning.operation import Field, InlineFragment, Selection, merge_into
from router.planning.plan import ContextRewrite
from router.planning.schema_index import SchemaIndex
from router.supergraph.metadata import ContextArgument

if TYPE_CHECKING:
    from router.planning.fetch_graph import FetchDraft, Position

PlanInputs = Callable[["Position", list[Selection]], set[int]]
"""Plan fields one position needs (as for keys); the ids of the fetches writing them."""


@dataclass
class ContextInputs:
    """What an entity fetch needs for the contextual fields among its selections."""

    selections: list[Selection]
    """The fetch's selections, each contextual field with its arguments as variables."""
    satisfied: set[str] = field(default_factory=set)
    """The contextual fields, now resolvable in the fetch."""
    dependencies: set[int] = field(default_factory=set)
    """The fetches that write the values."""
    rewrites: list[ContextRewrite] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    """Variable → its type, for the fetch's operation."""


def plan_context_inputs(
    index: SchemaIndex,
    position: Position,
    graph: str,
    entity_type: str,
    selections: list[Selection],
    plan_inputs: PlanInputs,
) -> ContextInputs:
    """The contextual fields of ``selections`` (an entity fetch of ``entity_type`` to ``graph``
    at ``position``): their values planned on their ancestors, and how to pass them."""
    inputs = ContextInputs(selections=[])
    for selection in selections:
        arguments = (
            index.context_arguments(graph, entity_type, selection.name)
            if isinstance(selection, Field)
            else ()
        )
        if not isinstance(selection, Field) or not arguments:
            inputs.selections.append(selection)
            continue
        for argument in arguments:
            _plan_argument(index, position, f"{entity_type}.{selection.name}", argument,
                           inputs, plan_inputs)  # fmt: skip
        contextual = selection.shallow_copy()
        contextual.arguments = (*selection.arguments, *(_variable(a) for a in arguments))
        contextual.selections = selection.selections
        inputs.selections.append(contextual)
        inputs.satisfied.add(selection.name)
    return inputs


def add_context_inputs(fetch: FetchDraft, inputs: ContextInputs) -> None:
    """Record on ``fetch`` the rewrites and variables of ``inputs`` (a fetch may gather the same
    field from several places)."""
    fetch.context_rewrites += [r for r in inputs.rewrites if r not in fetch.context_rewrites]
    fetch.context_variables.update(inputs.variables)


def _plan_argument(
    index: SchemaIndex,
    position: Position,
    coordinate: str,
    argument: ContextArgument,
    inputs: ContextInputs,
    plan_inputs: PlanInputs,
) -> None:
    ancestor = _nearest_setter(index, position, argument.context)
    if ancestor is None:
        raise PlanningError(
            f"No ancestor of {coordinate} sets the context its argument {argument.name} reads."
        )
    values = index.field_set(ancestor.type_name, _inner(argument.selection))
    applicable = _applicable(index, ancestor.type_name, values)
    merge_into(ancestor.target, Field("__typename"))  # the rewrite's type condition reads it
    inputs.dependencies |= plan_inputs(ancestor, applicable)
    ups = ("..",) * sum(1 for step in position.path[len(ancestor.path) :] if step != "@")
    for value_path in _value_paths(index, ancestor.type_name, applicable):
        rewrite = ContextRewrite(argument.variable, ups + value_path)
        if rewrite not in inputs.rewrites:
            inputs.rewrites.append(rewrite)
    inputs.variables[argument.variable] = argument.type


def _nearest_setter(index: SchemaIndex, position: Position, context: str) -> Position | None:
    """The nearest ancestor of ``position`` whose type sets ``context``: itself, through an
    interface it implements, or through a union it is a member of (as Apollo matches them,
    however the path reached the object)."""
    current = position
    while current.parent is not None:
        ancestor = current.parent
        if any(context in index.types[t].contexts for t in _setters_of(index, ancestor.type_name)
               if t in index.types):  # fmt: skip
            return ancestor
        current = ancestor
    return None


def _setters_of(index: SchemaIndex, type_name: str) -> list[str]:
    """``type_name``, the interfaces it implements and the unions it belongs to."""
    named = index.named_type(type_name)
    interfaces = [i.name for i in getattr(named, "interfaces", ())]
    unions = [u.name for u in index.schema.type_map.values()
              if isinstance(u, GraphQLUnionType) and named in u.types]  # fmt: skip
    return [type_name, *interfaces, *unions]


def _inner(selection: str) -> str:
    """The fields of a ``@fromContext`` selection, without the braces it may be written in."""
    text = selection.strip()
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


def _applicable(index: SchemaIndex, type_name: str, values: list[Selection]) -> list[Selection]:
    """The selection as it applies to ``type_name``: fragments on other types left out."""
    return [
        s
        for s in values
        if isinstance(s, Field) or index.type_matches(type_name, s.type_condition)
        or not _is_object(index, type_name)
    ]  # fmt: skip


def _value_paths(
    index: SchemaIndex, type_name: str, values: Iterable[Selection]
) -> list[tuple[str, ...]]:
    """Where the value is from the ancestor: a type condition, then the field names down to
    the one value the selection names."""
    paths = []
    for value in values:
        if isinstance(value, InlineFragment):
            condition = type_name
            if not _is_object(index, type_name) and value.type_condition:
                condition = value.type_condition
            paths += [(f"... on {condition}", *chain) for chain in _field_chains(value.selections)]
        else:
            paths += [(f"... on {type_name}", *chain) for chain in _field_chains([value])]
    return paths


def _field_chains(values: Iterable[Selection]) -> list[tuple[str, ...]]:
    chains: list[tuple[str, ...]] = []
    for value in values:
        if isinstance(value, Field):
            chains += [(value.name, *rest) for rest in _field_chains(value.selections) or [()]]
        else:
            chains += _field_chains(value.selections)
    return chains


def _is_object(index: SchemaIndex, type_name: str) -> bool:
    meta = index.types.get(type_name)
    return meta is not None and meta.kind == "OBJECT"


def _variable(argument: ContextArgument) -> ArgumentNode:
    return ArgumentNode(
        name=NameNode(value=argument.name),
        value=VariableNode(name=NameNode(value=argument.variable)),
    )
