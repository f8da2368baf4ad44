"""Normalize: pick the operation, inline fragment spreads, drop what literal ``@skip`` rules out.

Directives whose condition is a variable stay on the selection; the subgraph evaluates them
and the planner turns fetches under them into ``Condition`` nodes. A fragment left with no
selection is dropped (it adds nothing to the response); a composite field left with none
stays, with an empty selection: the client still gets its object (``{}``), or null, or a list
of them, so the planner fetches it with ``__typename`` alone.
"""

from __future__ import annotations

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from router.planning.errors import PlanningError
from router.planning.operation import Field, InlineFragment, Operation, Selection


def normalize_operation(document: DocumentNode, operation_name: str | None = None) -> Operation:
    """The named (or only) operation of a validated document, in the planner's form."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name:
        chosen = [o for o in operations if o.name and o.name.value == operation_name]
        if not chosen:
            raise PlanningError(f'Unknown operation named "{operation_name}".')
    elif len(operations) != 1:
        raise PlanningError("Must provide operation name if query contains multiple operations.")
    else:
        chosen = operations
    operation = chosen[0]
    return Operation(
        kind=operation.operation.value,
        name=operation.name.value if operation.name else None,
        variable_definitions=tuple(operation.variable_definitions or ()),
        selections=_selections(operation.selection_set, fragments),
    )


def _selections(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> list[Selection]:
    result: list[Selection] = []
    for node in selection_set.selections if selection_set else ():
        directives = _live_directives(node.directives or ())
        if directives is None:
            continue
        if isinstance(node, FieldNode):
            result.append(
                Field(
                    name=node.name.value,
                    alias=node.alias.value if node.alias else None,
                    arguments=tuple(node.arguments or ()),
                    directives=directives,
                    selections=_selections(node.selection_set, fragments),
                )
            )
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            inner = _selections(node.selection_set, fragments)
            if inner:
                result.append(InlineFragment(condition, inner, directives))
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments[node.name.value]
            inner = _selections(fragment.selection_set, fragments)
            if inner:
                result.append(InlineFragment(fragment.type_condition.name.value, inner, directives))
    return result


def _live_directives(directives: tuple[DirectiveNode, ...] | list[DirectiveNode]) -> (
    tuple[DirectiveNode, ...] | None
):  # fmt: skip
    """The directives to keep, or None when a literal ``@skip``/``@include`` removes the node."""
    kept: list[DirectiveNode] = []
    for directive in directives:
        name = directive.name.value
        if name not in ("skip", "include"):
            kept.append(directive)
            continue
        value = directive.arguments[0].value if directive.arguments else None
        if isinstance(value, BooleanValueNode):
            if value.value == (name == "skip"):
                return None
            continue
        kept.append(directive)
    return tuple(kept)
