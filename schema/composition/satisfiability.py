"""Whether every query of the supergraph's API can be planned over the subgraphs.

The walk follows every path of the API from its root types (Query, Mutation, Subscription),
field by field and type condition by type condition, carrying the positions (a type in a
subgraph, see :mod:`schema.composition.satisfiability_positions`) the subgraphs could be at
for that path: it starts at each subgraph's root type, and a step keeps every position that
can take it, directly or through keys (:mod:`schema.composition.satisfiability_paths`). A path
that no position can follow is a query no plan answers: a ``SATISFIABILITY_ERROR`` naming the
query and why each subgraph fails. A supergraph type reached again with at least the subgraph
types it was walked with is not walked again (Apollo's rule: what follows was checked with
fewer options), so the work is bounded by types times distinct sets of subgraph types.

A top-level mutation field several subgraphs resolve must be satisfiable from one of them
alone (the router calls a mutation once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from schema.composition.errors import CompositionError, CompositionHint, ErrorLocation
from schema.composition.satisfiability_graph import ROOT_TYPES, FederatedGraph, build_graph
from schema.composition.satisfiability_paths import DeadEnd, Overrides, Paths
from schema.composition.satisfiability_positions import (
    CastStep,
    Entry,
    FieldStep,
    Position,
    Step,
)
from schema.composition.satisfiability_witness import (
    described_types,
    runtime_types_hint,
    runtime_types_message,
    unsatisfiable_message,
)
from schema.composition.subgraph import FieldDef, Subgraph
from schema.composition.supergraph import Supergraph

Report = Callable[[CompositionError], None]
Hint = Callable[[CompositionHint], None]
MAX_OPEN_POSITIONS = 1_000_000
"""Positions the walk may hold open at once before it gives up (as Apollo does)."""


@dataclass(frozen=True)
class State:
    root: str
    type: str
    steps: tuple[Step, ...]
    positions: tuple[Position, ...] = ()
    partitions: tuple[tuple[str, tuple[Position, ...]], ...] | None = None
    """For a path under a top-level mutation field that several subgraphs resolve: the
    positions reached from each of them, apart."""
    overrides: Overrides = ()

    def size(self) -> int:
        if self.partitions is None:
            return len(self.positions)
        return sum(len(p) for _, p in self.partitions)


@dataclass
class Visit:
    positions: frozenset[tuple[object, ...]]
    overrides: Overrides


@dataclass
class Traversal:
    graph: FederatedGraph
    subgraphs: dict[str, Subgraph]
    report: Report
    hint: Hint | None = None
    paths: Paths = field(init=False)
    visits: dict[str, list[Visit]] = field(default_factory=dict)
    mutation_errors: dict[str, dict[str, list[CompositionError]]] = field(default_factory=dict)
    open_positions: int = 0

    def __post_init__(self) -> None:
        self.paths = Paths(self.graph)

    def run(self) -> None:
        stack: list[State] = []
        for root in self._root_order():
            if root in self.graph.supergraph.roots and root in self.graph.api_types:
                entry = Entry("root", root, root)
                views = [v for v in self.graph.subgraphs.values() if root in v.types]
                starts = tuple(Position(v.name, root, None, "root", entry) for v in views)
                stack.append(State(root, root, (), starts))
                self.open_positions += len(starts)
        while stack:
            state = stack.pop()
            self.open_positions -= state.size()
            for following in self._follow(state):
                stack.append(following)
                self.open_positions += following.size()
                if self.open_positions > MAX_OPEN_POSITIONS:
                    self.report(CompositionError(
                        "MAX_VALIDATION_SUBGRAPH_PATHS_EXCEEDED",
                        "Maximum number of validation subgraph paths exceeded: "
                        f"{self.open_positions}",
                    ))  # fmt: skip
                    return
        self._report_mutation_errors()

    def _root_order(self) -> list[str]:
        """The root types in the order the subgraphs first define them, as Apollo's
        supergraph lists them; the walk starts from the last (which decides which paths are
        walked again, so which errors are reported)."""
        order: list[str] = []
        for subgraph in self.subgraphs.values():
            order += [n for n in subgraph.types if n in ROOT_TYPES and n not in order]
        return order + [n for n in ROOT_TYPES if n not in order]

    def _follow(self, state: State) -> list[State]:
        if self._seen(state):
            return []
        following = []
        for step in self._steps(state.type):
            chosen = dict(state.overrides)
            if isinstance(step, FieldStep) and step.override_label is not None:
                if chosen.get(step.override_label, step.override_condition) \
                        != step.override_condition:  # fmt: skip
                    continue  # the other value of the label was chosen above
                chosen[step.override_label] = step.override_condition
            new = self._take(state, step, tuple(sorted(chosen.items())))
            if new is not None and not self.graph.is_leaf(new.type):
                following.append(new)
        return following

    def _steps(self, type_name: str) -> list[Step]:
        graph = self.graph
        t = graph.api_types[type_name]
        if t.kind in ("interface", "union"):
            return [CastStep(type_name, r) for r in graph.api_runtime_types(type_name)]
        steps: list[Step] = []
        for f in graph.api_fields(type_name):
            if f.override_label is None:
                steps.append(FieldStep(type_name, f.name, f.type))
            else:
                label = f.override_label
                steps += [FieldStep(type_name, f.name, f.type, label, True),
                          FieldStep(type_name, f.name, f.type, label, False)]  # fmt: skip
        return steps

    def _take(self, state: State, step: Step, overrides: Overrides) -> State | None:
        """The state after ``step``, or None when nothing follows (an error, reported, or a
        step that can match nothing)."""
        steps = (*state.steps, step)
        if state.partitions is not None:
            return self._take_partitioned(state, step, steps, overrides)
        positions, error = self._advance(state, state.positions, step, steps, overrides)
        if error is not None:
            self.report(error)
            return None
        if not positions:
            return None
        new = State(state.root, step.target, steps, positions, None, overrides)
        if not self._runtime_types_intersect(new):
            return None
        if state.root == "Mutation" and not state.steps and isinstance(step, FieldStep):
            by_subgraph: dict[str, tuple[Position, ...]] = {}
            for p in positions:
                by_subgraph[p.subgraph] = (*by_subgraph.get(p.subgraph, ()), p)
            if len(by_subgraph) > 1:
                errors = self.mutation_errors.setdefault(step.coordinate, {})
                for subgraph in by_subgraph:
                    errors.setdefault(subgraph, [])
                new = State(state.root, step.target, steps, (), tuple(by_subgraph.items()),
                            overrides)  # fmt: skip
        return new

    def _take_partitioned(self, state: State, step: Step, steps: tuple[Step, ...],
                          overrides: Overrides) -> State | None:  # fmt: skip
        assert state.partitions is not None
        first = state.steps[0]
        assert isinstance(first, FieldStep)
        errors = self.mutation_errors[first.coordinate]
        partitions = []
        for subgraph, positions in state.partitions:
            advanced, error = self._advance(state, positions, step, steps, overrides)
            if error is not None:
                errors[subgraph].append(error)
                continue
            if not advanced:
                return None
            partitions.append((subgraph, advanced))
        if not partitions:
            return None
        new = State(state.root, step.target, steps, (), tuple(partitions), overrides)
        return new if self._runtime_types_intersect(new) else None

    def _runtime_types_intersect(self, state: State) -> bool:
        """A ``@shareable`` field returning an abstract type must be able to return a same
        object type in all its subgraphs (else it cannot resolve the same way in each):
        reports ``SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES`` when it cannot, and hints when the
        subgraphs' object types differ but meet."""
        graph = self.graph
        step = state.steps[-1]
        positions = state.positions if state.partitions is None else tuple(
            p for _, group in state.partitions for p in group)  # fmt: skip
        if (len(positions) <= 1 or not isinstance(step, FieldStep) or graph.is_leaf(state.type)
                or graph.api_types[state.type].kind not in ("interface", "union")
                or not graph.is_shareable(step.parent, step.name)):  # fmt: skip
            return True
        if sum(graph.type_in(p).kind in ("interface", "union") for p in positions) <= 1:
            return True
        every = _sorted_names(graph.api_runtime_types(state.type))
        common = every
        by_types: dict[str, list[str]] = {}
        per_subgraph: dict[str, list[str]] = {}
        for p in positions:
            names = _sorted_names(graph.subgraphs[p.subgraph].runtime_types(p.type))
            if len(names) == 1 and names[0] not in every:
                continue  # an @interfaceObject stands in for any implementation
            per_subgraph[p.subgraph] = names
            by_types.setdefault(described_types(names), []).append(p.subgraph)
            common = [n for n in common if n in names]
        if all(d == described_types([]) for d in by_types):
            return True
        if not common:
            subgraphs = [self.subgraphs[s] for names in by_types.values() for s in names
                         if s in self.subgraphs]  # fmt: skip
            self.report(CompositionError(
                "SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES",
                runtime_types_message(graph, state.root, state.steps, by_types),
                tuple(s.location(_field_def(s, step)) for s in subgraphs),
            ))  # fmt: skip
            return False
        if len(by_types) > 1 and self.hint is not None:
            subgraphs_in = list(dict.fromkeys(p.subgraph for p in positions))
            self.hint(CompositionHint(
                "INCONSISTENT_RUNTIME_TYPES_FOR_SHAREABLE_RETURN",
                runtime_types_hint(graph, state.root, state.steps, subgraphs_in, common,
                                   per_subgraph),
            ))  # fmt: skip
        return True

    def _advance(self, state: State, positions: tuple[Position, ...], step: Step,
                 steps: tuple[Step, ...], overrides: Overrides,
                 ) -> tuple[tuple[Position, ...], CompositionError | None]:  # fmt: skip
        advanced: list[Position] = []
        for position in positions:
            options, _ = self.paths.advance(position, step, overrides, explain=False)
            if options is not None and not options:
                return (), None  # the step matches nothing from there: nothing to plan
            advanced += options or []
        if advanced:
            return tuple(advanced), None
        dead_ends = [d for p in positions for d in self.paths.advance(p, step, overrides)[1]]
        message = unsatisfiable_message(self.graph, state.root, steps, dead_ends)
        return (), CompositionError("SATISFIABILITY_ERROR", message, self._locations(dead_ends))

    def _locations(self, dead_ends: list[DeadEnd]) -> tuple[ErrorLocation, ...]:
        found: dict[str, ErrorLocation] = {}
        for d in dead_ends:
            subgraph = self.subgraphs.get(d.source)
            if subgraph is not None and d.source not in found:
                found[d.source] = subgraph.location(subgraph.types.get(d.type))
        return tuple(found.values())

    def _seen(self, state: State) -> bool:
        """Whether the type was walked before with at most the positions it has now (and the
        same override labels chosen): what follows was checked then."""
        groups = [state.positions] if state.partitions is None else [
            p for _, p in state.partitions]  # fmt: skip
        skip = True
        for positions in groups:
            keys = frozenset((p.subgraph, p.type) for p in positions)
            visits = self.visits.setdefault(state.type, [])
            chosen = dict(state.overrides)
            if any(v.positions <= keys and all(chosen.get(label) == value
                                               for label, value in v.overrides)
                   for v in visits):  # fmt: skip
                continue
            visits.append(Visit(keys, state.overrides))
            skip = False
        return skip

    def _report_mutation_errors(self) -> None:
        for coordinate, by_subgraph in self.mutation_errors.items():
            if any(not errors for errors in by_subgraph.values()):
                continue
            lines = [f'Supergraph API queries using the mutation field "{coordinate}" at '
                     "top-level must be satisfiable without needing to call that field from "
                     "multiple subgraphs, but every subgraph with that field encounters "
                     "satisfiability errors. Please fix these satisfiability errors for (at "
                     "least) one of the following subgraphs with the mutation field:"]  # fmt: skip
            locations: list[ErrorLocation] = []
            for subgraph, errors in by_subgraph.items():
                lines.append(f'- When calling "{coordinate}" at top-level from subgraph '
                             f'"{subgraph}":')  # fmt: skip
                for error in errors:
                    lines += [f"  {line}" if line else line for line in error.message.split("\n")]
                    locations += [loc for loc in error.locations if loc not in locations]
            self.report(CompositionError("SATISFIABILITY_ERROR", "\n".join(lines),
                                         tuple(locations)))  # fmt: skip


def _sorted_names(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: (n.lower(), n.swapcase()))


def _field_def(subgraph: Subgraph, step: FieldStep) -> FieldDef | None:
    t = subgraph.types.get(step.parent)
    return t.fields.get(step.name) if t is not None else None


def check_satisfiability(supergraph: Supergraph, subgraphs: list[Subgraph], report: Report,
                         hint: Hint | None = None) -> None:  # fmt: skip
    """Report a ``SATISFIABILITY_ERROR`` for each API query path no plan can answer (and
    ``hint`` what the walk finds worth knowing)."""
    graph = build_graph(supergraph, [n for s in subgraphs for n in s.types])
    Traversal(graph, {s.name: s for s in subgraphs}, report, hint).run()
