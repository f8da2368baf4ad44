"""The operation as the planner sees it: fields and inline fragments, fragments spread inline.

A small mutable tree (the planner builds subgraph selections out of the same classes) that
prints back to GraphQL text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import ArgumentNode, DirectiveNode, VariableDefinitionNode, print_ast


@dataclass
class Field:
    name: str
    alias: str | None = None
    arguments: tuple[ArgumentNode, ...] = ()
    directives: tuple[DirectiveNode, ...] = ()
    selections: list[Selection] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The response key: the alias, or the field name."""
        return self.alias or self.name

    def signature(self) -> tuple[str, str, str]:
        """Fields with equal signatures are the same field and merge."""
        return (self.name, _print_all(self.arguments), _print_all(self.directives))

    def shallow_copy(self) -> Field:
        return Field(self.name, self.alias, self.arguments, self.directives, [])


@dataclass
class InlineFragment:
    type_condition: str | None
    selections: list[Selection] = field(default_factory=list)
    directives: tuple[DirectiveNode, ...] = ()

    def signature(self) -> tuple[str, str]:
        return (self.type_condition or "", _print_all(self.directives))


Selection = Field | InlineFragment

INTERNAL_ALIAS = re.compile(r"_sg_(?P<name>[_A-Za-z][_0-9A-Za-z]*)_[0-9a-f]{8}")
"""The aliases the planner gives fields it adds (``_sg_<field>_<digest>``)."""


def internal_alias(field: Field) -> str:
    """A stable alias for a field the planner adds, apart from any the client wrote."""
    digest = hashlib.sha1(str(field.signature()).encode()).hexdigest()[:8]  # noqa: S324
    return f"_sg_{field.name}_{digest}"


def field_name_of(key: str) -> str:
    """The field behind a response key of a subgraph operation: internal aliases undone."""
    matched = INTERNAL_ALIAS.fullmatch(key)
    return matched["name"] if matched else key


@dataclass
class Operation:
    """A normalized executable operation."""

    kind: str
    """query, mutation or subscription."""
    name: str | None
    variable_definitions: tuple[VariableDefinitionNode, ...]
    selections: list[Selection]


def _print_all(nodes: Iterable[ArgumentNode | DirectiveNode]) -> str:
    return " ".join(print_ast(node) for node in nodes)


def print_selections(selections: Iterable[Selection]) -> str:
    """``{ a b { c } ... on T { d } }``: the compact form used in subgraph operations.

    A fragment with nothing inside is left out; a composite field whose selections print to
    nothing gets ``{__typename}``, so that what is printed is always a valid operation.
    """
    parts = [text for s in selections if (text := _print_selection(s))]
    return "{" + " ".join(parts) + "}" if parts else ""


def _print_selection(selection: Selection) -> str:
    body = print_selections(selection.selections) if selection.selections else ""
    if isinstance(selection, Field):
        text = f"{selection.alias}:{selection.name}" if selection.alias else selection.name
        if selection.arguments:
            text += "(" + ", ".join(print_ast(a) for a in selection.arguments) + ")"
        if selection.selections and not body:
            body = "{__typename}"
    elif not body:
        return ""
    else:
        text = f"... on {selection.type_condition}" if selection.type_condition else "..."
    if selection.directives:
        text += " " + _print_all(selection.directives)
    return f"{text} {body}" if body else text


def _holds_no_field(fragment: InlineFragment) -> bool:
    """A fragment with no field anywhere inside, which the printer leaves out."""
    return all(isinstance(s, InlineFragment) and _holds_no_field(s) for s in fragment.selections)


def merge_into(target: list[Selection], selection: Selection) -> Selection:
    """Add ``selection`` to ``target`` (merging with an equal one) and return the one in target.

    The returned selection's children are the place to add sub-selections.
    """
    for existing in target:
        if isinstance(selection, Field) and isinstance(existing, Field):
            if existing.key == selection.key and existing.signature() == selection.signature():
                return existing
        elif (
            isinstance(selection, InlineFragment)
            and isinstance(existing, InlineFragment)
            and existing.signature() == selection.signature()
        ):
            return existing
    if isinstance(selection, Field):
        added: Selection = selection.shallow_copy()
    else:
        added = InlineFragment(selection.type_condition, [], selection.directives)
    target.append(added)
    return added


def merge_all(target: list[Selection], selections: Iterable[Selection]) -> None:
    """Deep-merge ``selections`` into ``target``."""
    for selection in selections:
        added = merge_into(target, selection)
        merge_all(added.selections, selection.selections)


def variables_used(selections: Iterable[Selection]) -> set[str]:
    """Names of the variables that these selections refer to."""
    from graphql import VariableNode, visit
    from graphql.language import Visitor

    names: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            names.add(node.name.value)

    collector = Collect()

    def walk(items: Iterable[Selection]) -> None:
        for item in items:
            if isinstance(item, InlineFragment) and _holds_no_field(item):
                continue  # not printed, so its directives' variables are not used either
            nodes: tuple[ArgumentNode | DirectiveNode, ...] = item.directives
            if isinstance(item, Field):
                nodes = (*item.arguments, *item.directives)
            for node in nodes:
                visit(node, collector)
            walk(item.selections)

    walk(selections)
    return names
