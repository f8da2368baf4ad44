"""Which fields of an operation land on an object of the response, as GraphQL collects them.

``collect_at(schema, text, variables, path)`` follows a response path through the operation
(fields by response name, fragments expanded, ``@skip``/``@include`` evaluated) and returns
the fields selected on the object at the end of the path, each with the chain of fragment type
conditions it sits under. Adjudication rules use it to argue from the operation what the spec
makes the answer contain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    parse,
    value_from_ast_untyped,
)

Path = tuple[str | int, ...]
Ancestry = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Collected:
    response_name: str
    field: FieldNode
    parent_type: str
    """The type the field is selected on: the innermost type condition, or the object's
    declared type."""
    conditions: tuple[str, ...]
    """The type conditions of the fragments the field is under, outermost first."""
    ancestry: Ancestry = ()
    """For each enclosing field, outermost first: the declared type of the object it is
    selected on and its type conditions."""


def collect_at(
    schema: GraphQLSchema,
    text: str,
    variables: dict[str, Any],
    path: Path,
    conditions: bool = True,
) -> tuple[str, list[Collected]] | None:
    """The declared type of the object at ``path`` and the fields collected on it; None when
    the path does not follow the operation. With ``conditions`` false, ``@skip`` and
    ``@include`` at the last level are not evaluated (every field written there is listed)."""
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    collector = _Collector(document, variables)
    declared: str = root.name
    selection_sets: list[tuple[SelectionSetNode, Ancestry]] = [(operation.selection_set, ())]
    for step in path:
        if isinstance(step, int):
            continue
        fields = [c for c in collector.collect(declared, selection_sets) if c.response_name == step]
        if not fields:
            return None
        first = fields[0]
        parent = schema.get_type(first.parent_type)
        definition = getattr(parent, "fields", {}).get(first.field.name.value)
        if definition is None:
            return None
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return None
        selection_sets = [
            (f.field.selection_set, (*f.ancestry, (declared, f.conditions)))
            for f in fields
            if f.field.selection_set
        ]
        declared = named.name
    collector.evaluate = conditions
    return declared, collector.collect(declared, selection_sets)


class _Collector:
    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.variables = variables
        self.evaluate = True
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def collect(
        self, declared: str, selection_sets: list[tuple[SelectionSetNode, Ancestry]]
    ) -> list[Collected]:
        collected: list[Collected] = []
        for selection_set, ancestry in selection_sets:
            self._into(selection_set, declared, (), ancestry, collected)
        return collected

    def _into(
        self,
        selection_set: SelectionSetNode,
        parent: str,
        conditions: tuple[str, ...],
        ancestry: Ancestry,
        collected: list[Collected],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                name = selection.alias.value if selection.alias else selection.name.value
                collected.append(Collected(name, selection, parent, conditions, ancestry))
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition.name.value, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                inner = selection.selection_set
                condition = selection.type_condition.name.value if selection.type_condition else ""
            if condition:
                self._into(inner, condition, (*conditions, condition), ancestry, collected)
            else:
                self._into(inner, parent, conditions, ancestry, collected)

    def _included(self, selection: Any) -> bool:
        if not self.evaluate:
            return True
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            argument = next(a for a in directive.arguments if a.name.value == "if")
            value = value_from_ast_untyped(argument.value, self.variables)
            if (name == "skip") == bool(value):
                return False
        return True
