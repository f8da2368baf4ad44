"""Where a satisfiability walk is: a position is a type in one subgraph, what a ``@provides``
on the way there makes resolvable, and how the path came to it (the steps of the supergraph
query since it entered the subgraph)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from schema.composition.fieldsets import Selection


@dataclass(frozen=True)
class Provided:
    """What a ``@provides`` makes resolvable at a position: fields (with what is provided
    below each) and, for an abstract type, selections under a type condition."""

    fields: tuple[tuple[str, Provided | None], ...] = ()
    casts: tuple[tuple[str, Provided], ...] = ()
    copy: int = 0
    """Which ``@provides`` this is (they are numbered over the subgraphs, from 1)."""

    def below(self, field_name: str) -> Provided | None:
        found = [sub for name, sub in self.fields if name == field_name]
        return merge_provided(*found) if found else None

    def has(self, field_name: str) -> bool:
        return any(name == field_name for name, _ in self.fields)

    def under(self, type_name: str) -> Provided | None:
        found = [sub for name, sub in self.casts if name == type_name]
        return merge_provided(*found) if found else None


def merge_provided(*parts: Provided | None) -> Provided | None:
    present = [p for p in parts if p is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return Provided(tuple(f for p in present for f in p.fields),
                    tuple(c for p in present for c in p.casts), present[0].copy)  # fmt: skip


def read_provided(selections: list[Selection], copy: int = 0) -> Provided:
    fields: list[tuple[str, Provided | None]] = []
    casts: list[tuple[str, Provided]] = []
    for s in selections:
        below = read_provided(s.children, copy) if s.children else None
        if s.name:
            fields.append((s.name, below))
        elif s.type_condition is not None and below is not None:
            casts.append((s.type_condition, below))
        elif below is not None:  # a fragment without a condition selects on the same type
            fields += below.fields
            casts += below.casts
    return Provided(tuple(fields), tuple(casts), copy)


@dataclass(frozen=True)
class FieldStep:
    """A field of the supergraph query (on an object type of the API)."""

    parent: str
    name: str
    type: str
    """The field's named type in the supergraph."""
    override_label: str | None = None
    override_condition: bool = True

    @property
    def coordinate(self) -> str:
        return f"{self.parent}.{self.name}"

    @property
    def target(self) -> str:
        return self.type


@dataclass(frozen=True)
class CastStep:
    """A type condition of the supergraph query (on an interface or a union)."""

    source: str
    cast: str

    @property
    def target(self) -> str:
        return self.cast


Step = FieldStep | CastStep


@dataclass(frozen=True)
class Entry:
    """How a path came into its current subgraph, and the steps it took there since: with it,
    a move out that only makes a detour (the subgraph before could have gone straight) is
    left out, as Apollo leaves it out."""

    kind: str
    """``root`` (the query starts here), ``key`` or ``jump`` (between root types)."""
    type: str
    """The type the path entered at."""
    root: str = ""
    head: Position | None = None
    """For a key or a jump: where the path was before, in the previous subgraph."""
    since: tuple[Step, ...] = ()

    def after(self, step: Step) -> Entry:
        return Entry(self.kind, self.type, self.root, self.head, (*self.since, step))


@dataclass(frozen=True)
class Position:
    """Where a query is: a type in a subgraph, and how it got there.

    ``arrival`` is what the last step was: ``root`` (a root type at the top of a query),
    ``key`` (a key from another subgraph), ``jump`` (from another subgraph's root type),
    ``field``, ``cast``, ``fake-cast`` (a type condition an ``@interfaceObject`` stands in
    for), ``fake-cast-on-entry`` (the same just after entering the subgraph) or ``start``
    (where a key's or a ``@requires``'s fields start being collected).
    """

    subgraph: str
    type: str
    provided: Provided | None = None
    arrival: str = "field"
    entry: Entry | None = None

    @property
    def entered(self) -> bool:
        return self.arrival in ("root", "key", "jump")

    @property
    def vertex(self) -> Position:
        """The position without its history."""
        return Position(self.subgraph, self.type, self.provided, "start")

    def moved(self, to: Position, step: Step) -> Position:
        """``to``, reached from here by ``step`` in the same subgraph."""
        entry = self.entry.after(step) if self.entry is not None else None
        return replace(to, entry=entry)
