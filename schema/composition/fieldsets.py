"""Field sets (``@key``, ``@requires``, ``@provides`` ``fields:``) read as selections."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    parse,
    print_ast,
)


@dataclass
class Selection:
    name: str
    has_arguments: bool = False
    children: list[Selection] = field(default_factory=list)
    type_condition: str | None = None
    """For an inline fragment ``... on T { }``: T, with ``name`` empty."""
    arguments: str = ""
    """The arguments as written, printed: ``(currency: "USD")``."""


class FieldSetError(ValueError):
    pass


def parse_field_set(text: str) -> list[Selection]:
    try:
        document = parse("{" + text + "}")
    except GraphQLError as error:
        raise FieldSetError(f'invalid field set "{text}": {error.message}') from error
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return _selections(operation.selection_set.selections)


def _selections(nodes: object) -> list[Selection]:
    found: list[Selection] = []
    for node in nodes:  # type: ignore[attr-defined]
        if isinstance(node, FieldNode):
            children = _selections(node.selection_set.selections) if node.selection_set else []
            printed = ", ".join(print_ast(argument) for argument in node.arguments or ())
            found.append(Selection(node.name.value, bool(node.arguments), children,
                                   arguments=f"({printed})" if printed else ""))  # fmt: skip
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            found.append(Selection("", False, _selections(node.selection_set.selections),
                                   condition))  # fmt: skip
    return found


def top_level_fields(text: str) -> set[str]:
    try:
        return {s.name for s in parse_field_set(text) if s.name}
    except FieldSetError:
        return set()


def print_field_set(selections: list[Selection]) -> str:
    """``selections`` as a field set: ``id author { name }``."""
    printed = []
    for selection in selections:
        text = (selection.name + selection.arguments if selection.name
                else f"... on {selection.type_condition}" if selection.type_condition
                else "...")  # fmt: skip
        if selection.children:
            text += " { " + print_field_set(selection.children) + " }"
        printed.append(text)
    return " ".join(printed)
