"""Whether the fields of a key, a ``@requires`` or ``__typename`` can be collected from a
position: each selection of the field set from some option the selections above it reached,
moving through other keys where the position's subgraph lacks a field (but never into a
subgraph being moved to, nor through a field set being resolved already).

Options are groups of positions that must all advance: an interface whose field the subgraph
does not resolve on the interface is queried through each of its implementations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import product
from typing import TYPE_CHECKING, Any

from schema.composition.fieldsets import Selection
from schema.composition.satisfiability_graph import FederatedGraph, parse_selections
from schema.composition.satisfiability_positions import Position

if TYPE_CHECKING:
    from schema.composition.satisfiability_paths import Jump

Excluded = tuple[str, ...]
Group = tuple[Position, ...]
JumpsFinder = Callable[[Position, Excluded, Excluded], "Iterable[Jump]"]
MAX_OPTIONS = 256
"""Options kept per selection: groups multiply across implementations."""


class ConditionResolver:
    def __init__(self, graph: FederatedGraph, jumps: JumpsFinder) -> None:
        self.graph = graph
        self._jumps = jumps
        self._resolved: dict[tuple[Any, ...], bool] = {}
        self._resolving: set[tuple[Any, ...]] = set()

    def satisfied(self, head: Position, condition: str, excluded_subgraphs: Excluded = (),
                  excluded_conditions: Excluded = ()) -> bool:  # fmt: skip
        """Whether ``condition`` (a field set) can be collected starting at ``head``."""
        memo = (head.subgraph, head.type, head.provided, condition,
                frozenset(excluded_subgraphs), excluded_conditions)  # fmt: skip
        if memo in self._resolved:
            return self._resolved[memo]
        if memo in self._resolving:
            return False  # a field set that needs itself
        self._resolving.add(memo)
        try:
            result = self._resolve(head, condition, excluded_subgraphs,
                                   (*excluded_conditions, condition))  # fmt: skip
        finally:
            self._resolving.discard(memo)
        self._resolved[memo] = result
        return result

    def collectable_here(self, head: Position, condition: str) -> bool:
        """Whether ``condition`` can be collected in the head's subgraph alone."""
        memo = (head.subgraph, head.type, head.provided, condition, None, ())
        if memo not in self._resolved:
            self._resolved[memo] = self._resolve(head, condition, None, ())
        return self._resolved[memo]

    def _resolve(self, head: Position, condition: str, excluded_subgraphs: Excluded | None,
                 excluded_conditions: Excluded) -> bool:  # fmt: skip
        """``excluded_subgraphs`` None: without moving to any other subgraph."""
        start = Position(head.subgraph, head.type, head.provided, "start")
        initial: list[Group] = [(start,)]
        stack = [(s, initial) for s in parse_selections(condition)]
        while stack:
            selection, options = stack.pop()
            enough = self._enough(selection, excluded_subgraphs, excluded_conditions)
            advanced: list[Group] = []
            for group in options:
                found = self._advance_group(group, selection, excluded_subgraphs,
                                            excluded_conditions, enough)  # fmt: skip
                advanced += found or []
                if enough is not None and enough(advanced):
                    break
            if not advanced:
                return False
            advanced = list(dict.fromkeys(advanced))[:MAX_OPTIONS]
            stack += [(child, advanced) for child in selection.children]
        return True

    def _enough(self, selection: Selection, excluded_subgraphs: Excluded | None,
                excluded_conditions: Excluded) -> Callable[[list[Group]], bool] | None:  # fmt: skip
        """When options found so far are enough for what is below ``selection``: some option
        for a leaf, one taking each field for fields of leaves (a nested key); else None (all
        options are needed)."""
        children = selection.children
        if not all(c.name and not c.children for c in children):
            return None

        def enough(options: list[Group]) -> bool:
            return bool(options) and all(
                any(self._advance_group(g, c, excluded_subgraphs, excluded_conditions)
                    for g in options) for c in children)  # fmt: skip

        return enough

    def _advance_group(self, group: Group, selection: Selection,
                       excluded_subgraphs: Excluded | None, excluded_conditions: Excluded,
                       enough: Callable[[list[Group]], bool] | None = None,
                       ) -> list[Group] | None:  # fmt: skip
        """The options after ``selection``'s field or type condition (not what is below it);
        None when some position of the group cannot take it. A group of one stops looking
        through other subgraphs once the options are ``enough``."""
        per_position: list[list[Group]] = []
        is_field = bool(selection.name)
        leaf = is_field and not selection.children
        for position in group:
            direct, only_exploded = self._advance(position, selection)
            if direct is not None and (not direct or (leaf and not only_exploded)
                                       or not is_field):  # fmt: skip
                if direct:
                    per_position.append(direct)
                continue
            options = list(direct or [])
            stop = enough if len(group) == 1 else None
            if is_field and excluded_subgraphs is not None and not (stop and stop(options)):
                for jump in self._jumps(position, excluded_subgraphs, excluded_conditions):
                    if leaf and jump.key is not None and _selects_top_level(jump.key, selection):
                        continue  # a key field does not come from a key that needs it
                    found, _ = self._advance(jump.target, selection)
                    options += found or []
                    if stop is not None and stop(options):
                        break
            if not options:
                return None
            per_position.append(options)
        return _combine(per_position)

    def _advance(self, position: Position,
                 selection: Selection) -> tuple[list[Group] | None, bool]:  # fmt: skip
        """Options in the position's own subgraph, and whether they all come from querying an
        interface through its implementations."""
        t = self.graph.type_in(position)
        if not selection.name:
            return self._cast(position, selection.type_condition), False
        if t.kind == "object":
            target = self._field(position, selection.name)
            return ([(target,)] if target is not None else None), False
        if t.kind == "union":
            typename = selection.name == "__typename"
            return ([(Position(position.subgraph, "String"),)] if typename else None), False
        if t.kind != "interface":
            return None, False
        direct = self._field(position, selection.name)
        if direct is not None and not selection.children:
            return [(direct,)], False
        exploded = self._explode(position, selection)
        if direct is not None:
            return [(direct,), *(exploded or [])], False
        return exploded, True

    def _explode(self, position: Position, selection: Selection) -> list[Group] | None:
        """An interface field through each implementation the subgraph has: all must work."""
        per_implementation: list[list[Group]] = []
        view = self.graph.subgraphs[position.subgraph]
        for implementation in view.runtime_types(position.type):
            cast = Selection("", type_condition=implementation)
            casts = self._advance_group((position,), cast, (), ())
            if casts is None:
                return None
            with_field: list[Group] = []
            for group in casts:
                with_field += self._advance_group(group, selection, (), ()) or []
            if casts and not with_field:
                return None
            if with_field:
                per_implementation.append(with_field)
        return _combine(per_implementation)

    def _field(self, position: Position, name: str) -> Position | None:
        graph = self.graph
        f = graph.field_edge(position, name)
        if f is None or f.override is not None:
            return None  # a progressive override is never taken inside a field set
        if f.requires is not None:
            if not self.satisfied(position, f.requires):
                return None
            if position.arrival not in ("key", "start") and not graph.locally_satisfiable_key(
                position
            ):
                return None
        return graph.field_target(position, f)

    def _cast(self, position: Position, condition: str | None) -> list[Group] | None:
        graph = self.graph
        t = graph.type_in(position)
        if condition is None or condition == t.name:
            return [(position,)]
        if t.kind in ("interface", "union"):
            target = graph.cast_edge(position, condition)
            if target is not None:
                return [(target,)]
            wanted = set(graph.supergraph_runtime_types(condition))
            view = graph.subgraphs[position.subgraph]
            per_type: list[list[Group]] = []
            for name in [r for r in view.runtime_types(t.name) if r in wanted]:
                found = self._cast(position, name)
                if found is None:
                    return None
                if found:
                    per_type.append(found)
            return _combine(per_type)
        if t.name in graph.supergraph_runtime_types(condition):
            return [(position,)]  # a condition on an abstract type the object belongs to
        fake = graph.fake_cast_edge(position, condition)
        if fake is not None:
            return [(fake,)] if self.satisfied(position, "__typename") else None
        return []  # a type condition that can match nothing from here


def _selects_top_level(key: str, selection: Selection) -> bool:
    return any(s.name == selection.name for s in parse_selections(key))


def _combine(per_position: Sequence[list[Group]]) -> list[Group]:
    """Every way of picking one option per position, each flattened into one group."""
    if not per_position:
        return []
    combined: list[Group] = []
    for picked in product(*per_position):
        combined.append(tuple(dict.fromkeys(p for group in picked for p in group)))
        if len(combined) >= MAX_OPTIONS:
            break
    return combined
