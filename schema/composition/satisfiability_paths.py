"""Advancing a position in the federated query graph by one step of a supergraph query.

A step (a field, or a type condition) is taken directly where the position's subgraph can, or
after moving to other subgraphs through keys whose fields can be collected from the position.
When it cannot be taken, the dead ends say why, subgraph by subgraph, as Apollo words them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial

from schema.composition.satisfiability_conditions import ConditionResolver, Excluded
from schema.composition.satisfiability_graph import FederatedGraph, FieldView, parse_selections
from schema.composition.satisfiability_positions import (
    CastStep,
    Entry,
    FieldStep,
    Position,
    Step,
)

Overrides = tuple[tuple[str, bool], ...]
Reasons = Callable[[], "list[DeadEnd]"]


@dataclass(frozen=True)
class DeadEnd:
    source: str
    """The subgraph the path was in."""
    target: str
    """The subgraph it could not use."""
    details: str
    type: str
    """The type the reason is about (where to point in the source subgraph)."""


@dataclass(frozen=True)
class Jump:
    target: Position
    key: str | None
    """The key's fields, or None for a jump between root types."""


class JumpSearch:
    """A search for the moves out of a position, run as far as someone has asked."""

    def __init__(self, moves: Iterator[Jump], dead_ends: list[Reasons]) -> None:
        self._moves = moves
        self.found: list[Jump] = []
        self._dead_ends = dead_ends
        self.done = False
        self.running = False

    @property
    def dead_ends(self) -> list[DeadEnd]:
        """Why the search went nowhere else, worded only when asked (after a failure)."""
        return [d for reasons in self._dead_ends for d in reasons()]

    def __iter__(self) -> Iterator[Jump]:
        index = 0
        while True:
            if index < len(self.found):
                yield self.found[index]
                index += 1
                continue
            if self.done:
                return
            self.running = True
            try:
                following = next(self._moves, None)
            finally:
                self.running = False
            if following is None:
                self.done = True
            else:
                self.found.append(following)


class Paths:
    """Advances positions, memoizing what it finds per position."""

    def __init__(self, graph: FederatedGraph) -> None:
        self.graph = graph
        self.conditions = ConditionResolver(graph, self.lazy_jumps)
        self._jumps: dict[tuple[Position, Excluded, Excluded, Overrides, bool], JumpSearch] = {}

    def advance(self, position: Position, step: Step, overrides: Overrides,
                explain: bool = True) -> tuple[list[Position] | None, list[DeadEnd]]:  # fmt: skip
        """The positions after ``step`` (empty when the step can match nothing from here), or
        None and (if ``explain``) why not."""
        graph = self.graph
        if isinstance(step, CastStep) and self._never(position, step):
            return [], []  # whatever got here can never be of the type: nothing to plan
        options, dead_ends = self.direct(position, step, overrides, explain)
        if options and graph.is_leaf(step.target):
            return options, []
        search = self._search(position, (), (), overrides)
        jumps = search.found if search.done else list(search)
        for jump in jumps:
            options += self.direct(jump.target, step, overrides, explain=False)[0]
        if options:
            return options, []
        if not explain:
            return None, []
        for jump in jumps:
            dead_ends += self.direct(jump.target, step, overrides)[1]
        dead_ends += search.dead_ends
        if isinstance(step, FieldStep):
            dead_ends += self._unreachable_owners(position, step, dead_ends)
        return None, dead_ends

    def _never(self, position: Position, step: CastStep) -> bool:
        """Whether the position's type can never be of the type the step casts to (an
        @interfaceObject, an object standing for an interface, may be any of them)."""
        graph = self.graph
        if graph.supergraph.types[step.source].kind == "interface" and (
            graph.type_in(position).kind == "object"
        ):
            return False
        return step.cast not in graph.subgraphs[position.subgraph].runtime_types(position.type)

    def direct(self, position: Position, step: Step, overrides: Overrides,
               explain: bool = True) -> tuple[list[Position], list[DeadEnd]]:  # fmt: skip
        """The step taken in the position's own subgraph (and why not, if ``explain``)."""
        graph = self.graph
        t = graph.type_in(position)
        if isinstance(step, CastStep):
            return self._cast(position, step)
        if step.parent != position.type and not t.interface_object and t.kind != "object":
            # Entered an interface through the key of an @interfaceObject: the type condition
            # the @interfaceObject stood in for applies again.
            cast, dead_ends = self._cast(position, CastStep(position.type, step.parent))
            if not cast:
                return [], dead_ends
            position = cast[0]
        f = graph.field_edge(position, step.name)
        if f is None:
            return [], [self._no_field(position, step)] if explain else []
        if f.override is not None and not f.taken_with(overrides):
            label, condition = f.override
            chosen = str(dict(overrides).get(label)).lower()
            copy = position.provided.copy if position.provided is not None else 0
            vertex = f"{position.type}({position.subgraph})" + (f"-{copy}" if copy else "")
            edge = (f"{vertex} -> {f.type}({position.subgraph}) "
                    f"({label} = {str(condition).lower()} \u22a2 {f.name})")  # fmt: skip
            return [], [DeadEnd(position.subgraph, position.subgraph,
                                f'Unable to take edge {edge} because override condition '
                                f'"{label}" is {chosen}', position.type)]  # fmt: skip
        if f.requires is not None:
            reason = self.requires_reason(position, f, step.coordinate)
            if reason is not None:
                return [], [reason]
        return [position.moved(graph.field_target(position, f), step)], []

    def requires_reason(self, position: Position, f: FieldView, coordinate: str) -> DeadEnd | None:
        """Why a field's ``@requires`` cannot be met from the position, if it cannot."""
        assert f.requires is not None
        if not self.conditions.satisfied(position, f.requires):
            details = f'cannot satisfy @require conditions on field "{coordinate}"'
            details += self._external_key_warning(position)
        elif position.arrival not in ("key", "start") and not self.graph.locally_satisfiable_key(
            position
        ):
            details = (f'@require condition on field "{coordinate}" can be satisfied but missing '
                       f'usable key on "{position.type}" in subgraph "{position.subgraph}" to '
                       "resume query")  # fmt: skip
        else:
            return None
        return DeadEnd(position.subgraph, position.subgraph, details, position.type)

    def _cast(self, position: Position, step: CastStep) -> tuple[list[Position], list[DeadEnd]]:
        graph = self.graph
        if step.cast == position.type:
            return [position], []
        target = graph.cast_edge(position, step.cast)
        if target is not None:
            return [position.moved(target, step)], []
        fake = graph.fake_cast_edge(position, step.cast)
        if fake is None:
            details = f'cannot find type "{step.cast}"'
        elif self.conditions.satisfied(position, "__typename"):
            return [position.moved(fake, step)], []
        else:
            details = ("no subgraph can be reached to resolve the implementation type of "
                       f'@interfaceObject type "{position.type}"')  # fmt: skip
        return [], [DeadEnd(position.subgraph, position.subgraph, details, position.type)]

    def lazy_jumps(self, position: Position, excluded_subgraphs: Excluded,
                   excluded_conditions: Excluded) -> Iterable[Jump]:  # fmt: skip
        """The other subgraphs a position can move to, found one at a time and the cheapest
        first (through keys whose fields are at hand): collecting a field set's leaf needs only
        the first that has it, while resolving every key the search meets first would do that
        work again for each set of exclusions (exponentially many along a chain of keys)."""
        return self._search(position, excluded_subgraphs, excluded_conditions, (), cheap=True)

    def _search(self, position: Position, excluded_subgraphs: Excluded,
                excluded_conditions: Excluded, overrides: Overrides,
                cheap: bool = False) -> JumpSearch:  # fmt: skip
        memo = (position, excluded_subgraphs, excluded_conditions, overrides, cheap)
        search = self._jumps.get(memo)
        if search is None or search.running:  # a search that needs itself starts afresh
            dead_ends: list[Reasons] = []
            finder = self._cheap_moves if cheap else self._moves
            moves = finder(position, excluded_subgraphs, excluded_conditions, overrides,
                           dead_ends)  # fmt: skip
            search = JumpSearch(moves, dead_ends)
            self._jumps.setdefault(memo, search)
        return search

    def _cheap_moves(self, position: Position, excluded_subgraphs: Excluded,
                     excluded_conditions: Excluded, overrides: Overrides,
                     dead_ends: list[Reasons]) -> Iterator[Jump]:  # fmt: skip
        """What :meth:`_moves` reaches, in another order: first through keys whose fields the
        subgraph moved from has itself, then through the others (without dead ends: a field
        set only asks whether it can be collected)."""
        del dead_ends
        if position.arrival in ("fake-cast-on-entry", "root"):
            return
        reached: set[str] = set()
        to_try: deque[Jump] = deque([Jump(position, None)])
        deferred: deque[tuple[Position, Jump]] = deque()
        while to_try or deferred:
            if to_try:
                came = to_try.popleft()
                moves = [(came.target, jump, True) for jump in self._followups(came)]
            else:
                current, jump = deferred.popleft()
                moves = [(current, jump, False)]
            for current, jump, first_pass in moves:
                target = jump.target.subgraph
                if (target in excluded_subgraphs or target == position.subgraph
                        or target in reached or jump.key in excluded_conditions):  # fmt: skip
                    continue
                if jump.key is not None:
                    if first_pass and not self.conditions.collectable_here(current, jump.key):
                        deferred.append((current, jump))
                        continue
                    if not first_pass and not self.conditions.satisfied(
                        current, jump.key, (*excluded_subgraphs, target), excluded_conditions
                    ):
                        continue
                reached.add(target)
                if self._detour(current, jump, position.type, overrides):
                    continue
                kind = "jump" if jump.key is None else "key"
                entry = Entry(kind, jump.target.type, head=current.vertex)
                jump = Jump(replace(jump.target, entry=entry), jump.key)
                if jump.key is not None:
                    to_try.append(jump)
                yield jump

    def _moves(self, position: Position, excluded_subgraphs: Excluded,
               excluded_conditions: Excluded, overrides: Overrides,
               dead_ends: list[Reasons]) -> Iterator[Jump]:  # fmt: skip
        """The breadth-first search of the moves, yielding each as it is found (dead ends go
        to ``dead_ends``)."""
        graph = self.graph
        if position.arrival == "fake-cast-on-entry":
            # Whatever a key leads to from here was reachable just before the type condition.
            dead_ends.append(lambda: [
                DeadEnd(position.subgraph, e.target.subgraph,
                        f'ignoring moving from "{position.subgraph}" to "{e.target.subgraph}" '
                        "as a more direct option exists", position.type)
                for e in graph.key_edges(position)])  # fmt: skip
            return
        if position.arrival == "root":
            return  # at the top of a query, every subgraph's root is already an option
        reached: set[str] = set()
        to_try: deque[Jump] = deque([Jump(position, None)])
        while to_try:
            came = to_try.popleft()
            current = came.target
            candidates = self._followups(came)
            if not candidates:
                dead_ends.append(partial(self._trivial_dead_ends, came, position))
            for jump in candidates:
                target = jump.target.subgraph
                if (target in excluded_subgraphs or target == position.subgraph
                        or target in reached or jump.key in excluded_conditions):  # fmt: skip
                    continue
                if jump.key is not None and not self.conditions.satisfied(
                    current, jump.key, (*excluded_subgraphs, target), excluded_conditions
                ):
                    dead_ends.append(partial(self._key_dead_end, current, jump))
                    continue
                reached.add(target)
                if self._detour(current, jump, position.type, overrides):
                    dead_ends.append(partial(self._detour_dead_end, current, jump))
                    continue
                kind = "jump" if jump.key is None else "key"
                entry = Entry(kind, jump.target.type, head=current.vertex)
                jump = Jump(replace(jump.target, entry=entry), jump.key)
                if jump.key is not None:
                    to_try.append(jump)
                yield jump

    def _detour(self, current: Position, jump: Jump, start_type: str,
                overrides: Overrides) -> bool:  # fmt: skip
        """Whether the subgraph the path came from could take the same steps itself and move
        to the jump's subgraph from there (or is that subgraph): then the jump is a detour,
        and the other path is an option of the walk already."""
        entry = current.entry
        if entry is None or entry.type == start_type or self.graph.has_contexts:
            return False
        target = jump.target.subgraph
        if entry.kind == "root":
            if entry.root == "Mutation" or entry.root not in self.graph.subgraphs[target].types:
                return False  # a mutation is called in one subgraph only
            origin: Position | None = Position(target, entry.root)
        else:
            origin = entry.head
        assert origin is not None
        reached = self._replay(origin, entry.since, overrides)
        if reached is None or reached.type != jump.target.type:
            return False
        if entry.kind == "root" or origin.subgraph == target:
            return True
        return any(e.target.subgraph == target and self.conditions.satisfied(reached, e.fields)
                   for e in self.graph.key_edges(reached))  # fmt: skip

    def _replay(self, origin: Position, steps: tuple[Step, ...],
                overrides: Overrides) -> Position | None:  # fmt: skip
        """Where ``steps`` lead from ``origin`` in its subgraph, by edges without conditions."""
        graph = self.graph
        position: Position | None = origin
        for step in steps:
            assert position is not None
            if isinstance(step, CastStep):
                position = graph.cast_edge(position, step.cast)
            else:
                f = graph.field_edge(position, step.name)
                if f is None or f.requires is not None or not f.taken_with(overrides):
                    return None
                position = graph.field_target(position, f)
            if position is None:
                return None
        return position

    def _detour_dead_end(self, current: Position, jump: Jump) -> list[DeadEnd]:
        target = jump.target.subgraph
        key = jump.key or ""
        return [DeadEnd(current.subgraph, target,
                        f'ignoring moving to subgraph "{target}" using @key(fields: "{key}") of '
                        f'"{current.type}" because there is a more direct path in {target} that '
                        f"avoids {current.subgraph} altogether", current.type)]  # fmt: skip

    def _all_followups(self, position: Position) -> list[Jump]:
        graph = self.graph
        return [*(Jump(e.target, e.fields) for e in graph.key_edges(position)),
                *(Jump(r, None) for r in graph.root_edges(position))]  # fmt: skip

    def _followups(self, came: Jump) -> list[Jump]:
        """Moves worth trying after ``came``: never a second key with the same fields (the
        subgraph before could take it directly), nor a second jump between root types."""
        followups = self._all_followups(came.target)
        if came.target.arrival == "jump":
            return [j for j in followups if j.key is not None]
        if came.target.arrival == "key":
            return [j for j in followups if j.key is None or j.key != came.key]
        return followups

    def _trivial_dead_ends(self, came: Jump, start: Position) -> list[DeadEnd]:
        current = came.target
        return [DeadEnd(current.subgraph, j.target.subgraph,
                        f'ignoring moving to subgraph "{j.target.subgraph}" using '
                        f'@key(fields: "{j.key}") of "{current.type}" because there is a more '
                        f"direct path in {j.target.subgraph} that avoids {current.subgraph} "
                        "altogether", current.type)
                for j in self._all_followups(current)
                if j.target.subgraph not in (current.subgraph, start.subgraph)]  # fmt: skip

    def _key_dead_end(self, current: Position, jump: Jump) -> list[DeadEnd]:
        assert jump.key is not None
        source, target = current.subgraph, jump.target.subgraph
        note = ""
        if self._selects_overridden(current, jump.key):
            note = f' (note that some of those key fields are overridden in "{source}")'
        return [DeadEnd(source, target,
                        f'cannot move to subgraph "{target}" using @key(fields: "{jump.key}") of '
                        f'"{current.type}", the key field(s) cannot be resolved from subgraph '
                        f'"{source}"{note}', current.type)]  # fmt: skip

    def _selects_overridden(self, position: Position, key: str) -> bool:
        t = self.graph.subgraphs[position.subgraph].types.get(position.type)
        return t is not None and any(
            s.name in t.fields and t.fields[s.name].overridden for s in parse_selections(key)
        )

    def _no_field(self, position: Position, step: FieldStep) -> DeadEnd:
        view = self.graph.subgraphs[position.subgraph]
        parent = view.types.get(step.parent)
        subgraph = position.subgraph
        f = parent.fields.get(step.name) if parent is not None else None
        if parent is None and position.type != step.parent:
            details = (f'cannot find implementation type "{step.parent}" (supergraph interface '
                       f'"{position.type}" is declared with @interfaceObject in "{subgraph}")'
                       )  # fmt: skip
        elif f is not None and f.overridden:
            by = self._overriders(step, subgraph)
            details = f'field "{step.coordinate}" is not resolvable because it is overridden by '
            details += by
        elif f is not None and f.external:
            details = f'field "{step.coordinate}" is not resolvable because marked @external'
        else:
            details = f'cannot find field "{step.coordinate}"'
        return DeadEnd(subgraph, subgraph, details, position.type)

    def _overriders(self, step: FieldStep, subgraph: str) -> str:
        merged = self.graph.supergraph.types[step.parent].fields[step.name]
        names = {enum: name for enum, (name, _) in self.graph.supergraph.graphs.items()}
        found = [names[j.graph] for j in merged.joins or () if j.graph and j.override == subgraph]
        return subgraph_names(found)

    def _unreachable_owners(self, position: Position, step: FieldStep,
                            dead_ends: list[DeadEnd]) -> list[DeadEnd]:  # fmt: skip
        """Subgraphs that have the field but no key the query could have taken into them."""
        tried = {d.target for d in dead_ends}
        found = []
        for view in self.graph.subgraphs.values():
            parent = view.types.get(step.parent)
            if view.name in tried or parent is None or step.name not in parent.fields:
                continue
            tail = view.types.get(position.type)
            coordinate = step.coordinate
            if tail is None:
                details = (f'cannot move to subgraph "{view.name}", which has field '
                           f'"{coordinate}", because interface "{position.type}" is not defined '
                           f'in this subgraph (to jump to "{view.name}", it would need to both '
                           f'define interface "{position.type}" and have a @key on it)'
                           )  # fmt: skip
            elif any(resolvable for _, resolvable in tail.keys):
                continue
            else:
                kind = "type" if tail.name == step.parent else "interface"
                why = (f'{kind} "{tail.name}" has no @key defined in subgraph "{view.name}"'
                       if not tail.keys else
                       f'none of the @key defined on {kind} "{tail.name}" in subgraph '
                       f'"{view.name}" are resolvable (they are all declared with their '
                       '"resolvable" argument set to false)')  # fmt: skip
                details = (f'cannot move to subgraph "{view.name}", which has field '
                           f'"{coordinate}", because {why}')  # fmt: skip
            found.append(DeadEnd(position.subgraph, view.name, details, position.type))
        return found

    def _external_key_warning(self, position: Position) -> str:
        """Federation 1 wanted key fields of extensions @external; kept in Federation 2, they
        make a key unusable, which is a likely reason a @requires cannot be met."""
        t = self.graph.type_in(position)
        external = []
        for key, _ in t.keys:
            for s in parse_selections(key):
                f = t.fields.get(s.name)
                if f is not None and f.external and not f.overridden and s.name not in external:
                    external.append(s.name)
        if not external:
            return ""
        noun = "field" if len(external) == 1 else "fields"
        listed = ", ".join(f'"{name}"' for name in external)
        return (f" (please ensure that this is not due to key {noun} {listed} being accidentally "
                "marked @external)")  # fmt: skip


def subgraph_names(names: list[str]) -> str:
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
