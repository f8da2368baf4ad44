"""Drop fields that repeat an earlier field of the same selection set exactly.

``{ name name name }`` means ``{ name }``; graphql-core's overlapping-fields validation
compares every pair of same-named fields, so ten thousand copies of one field would cost it
fifty million comparisons. Removing exact repeats first (alias, name, arguments, directives and
sub-selections alike, compared by a key built bottom-up) keeps that rule's work near linear on
such documents and changes nothing a client can observe.
"""

from __future__ import annotations

from graphql import DocumentNode, FieldNode, SelectionSetNode, print_ast


def drop_repeated_fields(document: DocumentNode) -> int:
    """Remove exact repeats in place; return how many fields were dropped."""
    dropped = 0
    for definition in document.definitions:
        selection_set = getattr(definition, "selection_set", None)
        if selection_set is not None:
            dropped += _dedupe(selection_set)[1]
    return dropped


def _dedupe(selection_set: SelectionSetNode) -> tuple[tuple[object, ...], int]:
    """The set's structural key, after removing repeats from it and below it."""
    dropped = 0
    seen: set[object] = set()
    kept = []
    keys = []
    for node in selection_set.selections:
        child_key: object = ()
        below_set = getattr(node, "selection_set", None)
        if below_set is not None:
            child_key, below = _dedupe(below_set)
            dropped += below
        if isinstance(node, FieldNode):
            key: object = (
                node.alias.value if node.alias else None,
                node.name.value,
                tuple(print_ast(a) for a in node.arguments or ()),
                tuple(print_ast(d) for d in node.directives or ()),
                child_key,
            )
            if key in seen:
                dropped += 1
                continue
            seen.add(key)
        else:
            key = (id(node), child_key)
        kept.append(node)
        keys.append(key)
    if dropped:
        selection_set.selections = tuple(kept)
    return tuple(keys), dropped
