"""Shrink an operation while a difference persists: greedy removal over the document.

Each step is one edit of the document (drop a selection, a directive, an argument or an
alias; inline a fragment spread), followed by dropping fragments and variables no longer
used; an edit is kept when the document still validates and the difference is still there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    VariableNode,
    parse,
    print_ast,
    validate,
)

EDITS = ("selection", "spread", "directive", "argument", "alias")
MAX_TRIES = 250


@dataclass
class Candidate:
    text: str
    variables: dict[str, Any]


def minimize(
    schema: GraphQLSchema,
    text: str,
    variables: dict[str, Any],
    still_differs: Callable[[Candidate], bool],
    max_tries: int = MAX_TRIES,
) -> Candidate:
    """The smallest operation found whose difference persists (``text`` itself at worst)."""
    best = Candidate(text, variables)
    tries = 0
    changed = True
    while changed and tries < max_tries:
        changed = False
        for edit in EDITS:
            index = 0
            while tries < max_tries:
                document = parse(best.text)
                if index >= sum(1 for _ in _sites(document, edit)):
                    break
                candidate = _edited(schema, document, edit, index, best.variables)
                if candidate is None or candidate.text == best.text:
                    index += 1
                    continue
                tries += 1
                if still_differs(candidate):
                    best, changed = candidate, True
                else:
                    index += 1
    return best


def _edited(
    schema: GraphQLSchema, document: DocumentNode, edit: str, index: int, values: dict[str, Any]
) -> Candidate | None:
    document = copy.deepcopy(document)
    owner, attribute, position = list(_sites(document, edit))[index]
    if edit == "alias":
        owner.alias = None
    elif edit == "spread":
        spread = getattr(owner, attribute)[position]
        fragment = _fragments(document)[spread.name.value]
        inline = InlineFragmentNode(
            type_condition=fragment.type_condition,
            directives=spread.directives,
            selection_set=fragment.selection_set,
        )
        items = list(getattr(owner, attribute))
        items[position] = inline
        setattr(owner, attribute, tuple(items))
    else:
        items = list(getattr(owner, attribute))
        del items[position]
        setattr(owner, attribute, tuple(items))
    document = _without_unused(document)
    try:
        text = print_ast(document)
        reparsed = parse(text)
    except GraphQLSyntaxError:  # an edit that empties a selection set does not print back
        return None
    if validate(schema, reparsed):
        return None
    used = _variables_declared(reparsed)
    return Candidate(text, {k: v for k, v in values.items() if k in used})


def _sites(document: DocumentNode, edit: str) -> Iterator[tuple[Any, str, int]]:
    """``(node, attribute, index)`` of every place ``edit`` applies, in document order."""
    for node in _nodes(document):
        if edit == "alias" and isinstance(node, FieldNode) and node.alias is not None:
            yield node, "alias", 0
        selection_set = getattr(node, "selection_set", None)
        if edit in ("selection", "spread") and selection_set is not None:
            for position, selection in enumerate(selection_set.selections):
                if edit == "selection" or isinstance(selection, FragmentSpreadNode):
                    yield selection_set, "selections", position
        directives = getattr(node, "directives", None)
        if edit == "directive" and directives:
            for position in range(len(directives)):
                yield node, "directives", position
        if edit == "argument" and isinstance(node, FieldNode):
            for position in range(len(node.arguments or ())):
                yield node, "arguments", position


def _nodes(node: Any) -> Iterator[Node]:
    if isinstance(node, Node):
        yield node
        for key in node.keys:
            if key != "loc":
                yield from _nodes(getattr(node, key, None))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _nodes(item)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _without_unused(document: DocumentNode) -> DocumentNode:
    """Drop fragments nothing spreads (until none is left) and variables nothing uses."""
    while True:
        spread = {n.name.value for n in _nodes(document) if isinstance(n, FragmentSpreadNode)}
        kept = tuple(
            d
            for d in document.definitions
            if not isinstance(d, FragmentDefinitionNode) or d.name.value in spread
        )
        if len(kept) == len(document.definitions):
            break
        document.definitions = kept
    used = {
        n.name.value
        for d in document.definitions
        for n in _nodes(
            d.selection_set
            if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
            else d
        )
        if isinstance(n, VariableNode)
    }
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            definition.variable_definitions = tuple(
                v for v in definition.variable_definitions or () if v.variable.name.value in used
            )
    return document


def _variables_declared(document: DocumentNode) -> set[str]:
    return {
        v.variable.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        for v in d.variable_definitions or ()
    }
