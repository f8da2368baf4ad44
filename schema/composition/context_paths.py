"""Whether every query reaching a field with contextual arguments passes a type that sets
each context it reads: a query that does not has no value to give the router.

As Apollo's satisfiability does, a path sets a context where it takes a field of a type that
sets it, of an object implementing an interface that does, or of a member of a union that does
(however the path reached that type). A field some subgraph resolves without contextual
arguments needs nothing. The walk goes over the API's types (nothing ``@inaccessible``), once
per type and set of contexts held, so it ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from schema.composition.errors import CompositionError
from schema.composition.supergraph import SField, SType, Supergraph

Report = Callable[[CompositionError], None]
Step = tuple[str, str | None]
"""A field name, or (``""``, type) for a type condition."""


def check_context_paths(supergraph: Supergraph, report: Report) -> None:
    """A ``SATISFIABILITY_ERROR`` for each contextual field some query reaches without one of
    the contexts it reads."""
    walk = _Walk(supergraph)
    reported: set[tuple[str, str]] = set()
    for type_name, field_name, graphs, path in walk.missing():
        if (type_name, field_name) in reported:
            continue
        reported.add((type_name, field_name))
        reasons = "\n".join(
            f'- from subgraph "{graph}": could not find a match for required context for '
            f'field "{type_name}.{field_name}".'
            for graph in graphs
        )
        field = supergraph.types[type_name].fields[field_name]
        report(CompositionError(
            "SATISFIABILITY_ERROR",
            "The following supergraph API query:\n" + _print_query([*path, (field_name, None)])
            + "\ncannot be satisfied by the subgraphs because:\n" + reasons,
            tuple(field.sources),
        ))  # fmt: skip


class _Walk:
    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.types = supergraph.types
        self.setters: dict[str, list[str]] = {}
        """Context → the types that set it."""
        for t in self.types.values():
            for context in t.contexts:
                self.setters.setdefault(context, []).append(t.name)

    def missing(self) -> list[tuple[str, str, list[str], list[Step]]]:
        """(type, field, subgraphs, path to the type) for each field a path reaches without
        a context it needs in every subgraph that resolves it."""
        found = []
        seen: set[tuple[str, frozenset[str]]] = set()
        queue: deque[tuple[str, frozenset[str], list[Step]]] = deque(
            (root, frozenset(), []) for root in self.supergraph.roots
        )
        while queue:
            type_name, held, path = queue.popleft()
            if (type_name, held) in seen or type_name not in self.types:
                continue
            seen.add((type_name, held))
            t = self.types[type_name]
            if t.kind in ("interface", "union"):
                for member in self._possible(t):
                    queue.append((member, held, [*path, ("", member)]))
            if t.kind not in ("object", "interface"):
                continue
            # What this type sets holds for the fields below it, not for its own.
            below = held | self._contexts_set_by(t)
            for f in t.fields.values():
                if f.inaccessible:
                    continue
                lacking = self._lacking(f, held)
                if lacking:
                    found.append((type_name, f.name, lacking, path))
                    continue
                queue.append((_named(f.type), below, [*path, (f.name, type_name)]))
        return found

    def _possible(self, t: SType) -> list[str]:
        if t.kind == "union":
            return list(t.members)
        return [o.name for o in self.types.values() if t.name in o.interfaces]

    def _contexts_set_by(self, t: SType) -> frozenset[str]:
        unions = [u.name for u in self.types.values() if u.kind == "union" and t.name in u.members]
        setters = {t.name, *t.interfaces, *unions}
        return frozenset(c for c, types in self.setters.items() if setters & set(types))

    def _lacking(self, f: SField, held: frozenset[str]) -> list[str]:
        """The subgraphs that resolve ``f`` only with a context not held; empty when some
        subgraph resolves it with what is held (or without contexts)."""
        joins = [j for j in f.joins or () if j.graph is not None and not j.external]
        if not joins or not any(j.context_arguments for j in joins):
            return []
        lacking = []
        for join in joins:
            if all(a.context in held for a in join.context_arguments):
                return []
            assert join.graph is not None
            lacking.append(self.supergraph.graphs[join.graph][0])
        return lacking


def _named(type_string: str) -> str:
    return type_string.replace("[", "").replace("]", "").replace("!", "")


def _print_query(path: list[Step]) -> str:
    """``{ a { ... on T { b } } }`` for the path, indented as Apollo prints it."""
    lines = []
    for depth, (name, condition) in enumerate(path):
        pad = "  " * (depth + 1)
        head = name or f"... on {condition}"
        lines.append(pad + head + (" {" if depth < len(path) - 1 else ""))
    closing = ["  " * (depth + 1) + "}" for depth in reversed(range(len(path) - 1))]
    return "\n".join(["{", *lines, *closing, "}"])
