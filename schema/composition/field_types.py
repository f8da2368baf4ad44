"""Merging the types subgraphs give one field, argument or input field (as printed GraphQL).

A type is a subtype of another when every value of it is a value of the other: ``String!`` of
``String``, ``[Int!]`` of ``[Int]``, an object of a union it is a member of or an interface it
implements (in any subgraph). An output field takes the most general of its types, an input
(argument, input field) the most specific; types neither way related are incompatible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Direct = Callable[[str, str], bool]
"""Whether a named type (second) is a member or implementation of an abstract one (first)."""


@dataclass(frozen=True)
class MergedType:
    type: str
    all_equal: bool
    """Whether every definition has this very type."""
    compatible: bool
    """Whether every definition's type is a subtype (output) or supertype (input) of it."""


def merge_type_references(
    types: Sequence[str], direct: Direct, *, input_position: bool
) -> MergedType:
    chosen = types[0]
    subtypes = incompatible = False
    for t in types[1:]:
        if t == chosen:
            continue
        if is_subtype(chosen, t, direct):
            subtypes = True
            if input_position:
                chosen = t
        elif is_subtype(t, chosen, direct):
            subtypes = True
            if not input_position:
                chosen = t
        else:
            incompatible = True
    return MergedType(chosen, not subtypes and not incompatible, not incompatible)


def is_subtype(general: str, specific: str, direct: Direct) -> bool:
    """Whether ``specific`` is ``general`` or a subtype of it."""
    if general == specific:
        return True
    if specific.endswith("!"):
        inner = specific[:-1]
        if general.endswith("!"):
            return is_subtype(general[:-1], inner, direct)
        return is_subtype(general, inner, direct)
    if specific.startswith("["):
        return general.startswith("[") and is_subtype(general[1:-1], specific[1:-1], direct)
    if general.startswith("[") or general.endswith("!"):
        return False
    return direct(general, specific)
