"""Operation limits, measured in one pass over the document.

Fragments are measured once each, in dependency order, and a spread adds its fragment's
figures (multiplied through nesting), so a fragment that spreads another twice, twenty levels
deep, is measured in twenty steps rather than expanded into a million selections.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from router.operation.errors import Violation

_CAP = 10**15  # figures stop growing here; every limit is far below


@dataclass(frozen=True)
class OperationLimits:
    """Production defaults; each is measured in ``router/operation/limits.py``."""

    max_depth: int = 15
    max_height: int = 400
    max_aliases: int = 100
    max_root_fields: int = 30
    max_directives: int = 10
    max_expanded_selections: int = 2_000
    warn_only: bool = False


@dataclass(frozen=True)
class Measures:
    depth: int = 0
    """The deepest chain of fields."""
    height: int = 0
    """Distinct response keys, summed over every selection set the operation expands to."""
    aliases: int = 0
    root_fields: int = 0
    expanded_selections: int = 0
    """Fields, inline fragments and spreads once every fragment is spread."""
    directives: int = 0
    """The most directives on one selection or definition."""

    def __add__(self, other: Measures) -> Measures:
        return Measures(
            max(self.depth, other.depth),
            min(self.height + other.height, _CAP),
            min(self.aliases + other.aliases, _CAP),
            min(self.root_fields + other.root_fields, _CAP),
            min(self.expanded_selections + other.expanded_selections, _CAP),
            max(self.directives, other.directives),
        )


_CHECKS = (
    ("expanded_selections", "max_expanded_selections", "MAX_EXPANDED_SELECTIONS_LIMIT"),
    ("depth", "max_depth", "MAX_DEPTH_LIMIT"),
    ("height", "max_height", "MAX_HEIGHT_LIMIT"),
    ("aliases", "max_aliases", "MAX_ALIASES_LIMIT"),
    ("root_fields", "max_root_fields", "MAX_ROOT_FIELDS_LIMIT"),
    ("directives", "max_directives", "MAX_DIRECTIVES_LIMIT"),
)


def check_limits(measures: Measures, limits: OperationLimits) -> list[Violation]:
    """Every limit the measures go past (0 turns a limit off)."""
    violations = []
    for measure, limit_name, code in _CHECKS:
        limit = getattr(limits, limit_name)
        actual = getattr(measures, measure)
        if limit and actual > limit:
            violations.append(Violation(code, limit, actual))
    return violations


def measure_document(document: DocumentNode) -> Measures:
    """The measures of every operation in the document together (all of them get validated)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measured: dict[str, Measures] = {}
    for name in _dependency_order(fragments):
        body = _measure_set(fragments[name].selection_set, measured)
        measured[name] = body
    total = Measures(directives=_most_directives(document))
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            body = _measure_set(definition.selection_set, measured)
            total = total + body
    return total


def _measure_set(selection_set: SelectionSetNode | None, fragments: dict[str, Measures]) -> (
    Measures
):  # fmt: skip
    """A selection set's measures; ``root_fields`` counts its own distinct top-level keys."""
    if selection_set is None:
        return Measures()
    depth = height = aliases = top = expanded = 0
    keys: set[str] = set()
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            inner = _measure_set(node.selection_set, fragments)
            key = (node.alias or node.name).value
            keys.add(key)
            depth = max(depth, 1 + inner.depth)
            height += inner.height
            aliases += inner.aliases + (node.alias is not None)
            expanded += 1 + inner.expanded_selections
            continue
        if isinstance(node, InlineFragmentNode):
            inner = _measure_set(node.selection_set, fragments)
        elif isinstance(node, FragmentSpreadNode):
            # An unknown or cyclic fragment counts as empty; validation reports it.
            inner = fragments.get(node.name.value, Measures())
        else:  # pragma: no cover - the three selection kinds are all there is
            continue
        depth = max(depth, inner.depth)
        height += inner.height
        aliases += inner.aliases
        expanded += 1 + inner.expanded_selections
        top += inner.root_fields
    return Measures(
        depth,
        min(height + len(keys), _CAP),
        min(aliases, _CAP),
        min(top + len(keys), _CAP),
        min(expanded, _CAP),
    )


def _dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after the fragments it spreads (cycles broken; no recursion)."""
    spreads = {name: set(_spreads(f.selection_set)) for name, f in fragments.items()}
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    for start in fragments:
        if start in state:
            continue
        stack = [(start, iter(sorted(spreads[start])))]
        state[start] = 1
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif child in fragments and child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(spreads[child]))))
    return order


def _spreads(selection_set: SelectionSetNode | None) -> Iterator[str]:
    for node in selection_set.selections if selection_set else ():
        if isinstance(node, FragmentSpreadNode):
            yield node.name.value
        elif isinstance(node, FieldNode | InlineFragmentNode):
            yield from _spreads(node.selection_set)


def _most_directives(document: DocumentNode) -> int:
    most = 0
    for definition in document.definitions:
        most = max(most, len(getattr(definition, "directives", None) or ()))
        selection_set = getattr(definition, "selection_set", None)
        most = max(most, _most_directives_in(selection_set))
    return most


def _most_directives_in(selection_set: SelectionSetNode | None) -> int:
    most = 0
    for node in selection_set.selections if selection_set else ():
        most = max(most, len(node.directives or ()))
        most = max(most, _most_directives_in(getattr(node, "selection_set", None)))
    return most
