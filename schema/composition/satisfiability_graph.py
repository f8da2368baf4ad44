"""The federated query graph that satisfiability walks, read from the composed supergraph.

Each subgraph is seen as the supergraph's ``join__*`` directives record it (what a router
extracts): a field a subgraph marks ``@external``, or gave away with ``@override``, is there but
not resolvable; a Federation 1 key field on an extension is resolvable. From a position (see
:mod:`schema.composition.satisfiability_positions`) a query takes a field the subgraph resolves
or a ``@provides`` provides, a type condition, a key of the type into another subgraph (its
fields to be collected from the position), or, from a root type, any other subgraph's root.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from schema.composition.fieldsets import FieldSetError, Selection, parse_field_set
from schema.composition.satisfiability_positions import (
    Position,
    Provided,
    merge_provided,
    read_provided,
)
from schema.composition.supergraph import JoinField, SField, SType, Supergraph

ROOT_TYPES = ("Query", "Mutation", "Subscription")
LEAF_KINDS = ("scalar", "enum")


@dataclass(frozen=True)
class FieldView:
    name: str
    type: str
    """The field's named type in this subgraph."""
    external: bool = False
    overridden: bool = False
    """External because another subgraph overrides it (this one still uses it)."""
    requires: str | None = None
    provides: Provided | None = None
    override: tuple[str, bool] | None = None
    """For a progressive override: the label and whether this definition is taken when the
    label is on (the overriding subgraph) or off (the overridden one)."""

    def taken_with(self, overrides: tuple[tuple[str, bool], ...]) -> bool:
        """Whether a query may take the field with these override labels chosen."""
        return self.override is None or dict(overrides).get(self.override[0]) == self.override[1]


@dataclass
class TypeView:
    name: str
    kind: str
    """object, interface, union or a leaf kind; an ``@interfaceObject`` is an object."""
    interface_object: bool = False
    fields: dict[str, FieldView] = field(default_factory=dict)
    keys: list[tuple[str, bool]] = field(default_factory=list)
    """(fields, resolvable) of each ``@key``."""
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass
class SubgraphView:
    name: str
    types: dict[str, TypeView] = field(default_factory=dict)

    def implementations(self, interface: str) -> list[str]:
        return [t.name for t in self.types.values()
                if t.kind == "object" and interface in t.interfaces]  # fmt: skip

    def runtime_types(self, type_name: str) -> list[str]:
        t = self.types.get(type_name)
        if t is None:
            return []
        if t.kind == "interface":
            return self.implementations(type_name)
        if t.kind == "union":
            return [m for m in t.members if m in self.types]
        return [type_name]


@dataclass(frozen=True)
class ApiField:
    name: str
    type: str
    override_label: str | None = None


@dataclass(frozen=True)
class KeyEdge:
    target: Position
    fields: str
    """The key's fields, as written in the target subgraph."""


@dataclass
class FederatedGraph:
    """The subgraphs as the supergraph records them, and the supergraph's API."""

    supergraph: Supergraph
    subgraphs: dict[str, SubgraphView]
    type_order: dict[str, int] = field(default_factory=dict)
    """Where each type first appears in the subgraphs (Apollo lists implementations so)."""
    _key_edges: dict[tuple[str, str], list[KeyEdge]] = field(default_factory=dict)

    @cached_property
    def api_types(self) -> dict[str, SType]:
        return {n: t for n, t in self.supergraph.types.items() if not t.inaccessible}

    def api_fields(self, type_name: str) -> list[ApiField]:
        t = self.api_types[type_name]
        return [ApiField(f.name, named(f.type), _override_label(f))
                for f in t.fields.values() if not f.inaccessible]  # fmt: skip

    def api_runtime_types(self, type_name: str) -> list[str]:
        t = self.api_types[type_name]
        if t.kind == "union":
            return [m for m in t.members if m in self.api_types]
        if t.kind == "interface":
            found = [o.name for o in self.api_types.values()
                     if o.kind == "object" and type_name in o.interfaces]  # fmt: skip
            return sorted(found, key=lambda n: self.type_order.get(n, len(self.type_order)))
        return [type_name]

    def all_implementations(self, interface: str) -> list[str]:
        """Every object type of the supergraph implementing ``interface``, API or not."""
        return [o.name for o in self.supergraph.types.values()
                if o.kind == "object" and interface in o.interfaces]  # fmt: skip

    @cached_property
    def has_contexts(self) -> bool:
        """Whether some field takes an argument from a context (``@fromContext``)."""
        return any(j.context_arguments for t in self.supergraph.types.values()
                   for f in t.fields.values() for j in f.joins or ())  # fmt: skip

    def is_shareable(self, type_name: str, field_name: str) -> bool:
        """Whether several subgraphs resolve the field (as the supergraph records it)."""
        t = self.supergraph.types[type_name]
        f = t.fields[field_name]
        if t.kind != "object":
            return False
        if f.joins is None:
            return len(t.joins) > 1
        return sum(not j.external and not j.used_overridden for j in f.joins) > 1

    def supergraph_runtime_types(self, type_name: str) -> list[str]:
        t = self.supergraph.types.get(type_name)
        if t is None:
            return []
        if t.kind == "union":
            return list(t.members)
        if t.kind == "interface":
            return self.all_implementations(type_name)
        return [type_name]

    def type_in(self, position: Position) -> TypeView:
        found = self.subgraphs[position.subgraph].types.get(position.type)
        # A field's type missing from its own subgraph would be a merge mistake: better no
        # way on from there than a composition that raises.
        return found if found is not None else TypeView(position.type, "scalar")

    def is_leaf(self, type_name: str) -> bool:
        t = self.supergraph.types.get(type_name)
        return t is None or t.kind in LEAF_KINDS

    def field_edge(self, position: Position, field_name: str) -> FieldView | None:
        """The field a position can take by that name, provided or resolved in its subgraph."""
        t = self.type_in(position)
        provided = position.provided is not None and position.provided.has(field_name)
        if field_name == "__typename":
            if t.interface_object:
                return None
            return FieldView("__typename", "String")
        f = t.fields.get(field_name)
        if f is None:
            return None
        if provided:
            return f
        if f.external:
            return None
        if t.kind == "interface" and not self._interface_field(position.subgraph, t, f):
            return None
        return f

    def field_target(self, position: Position, f: FieldView) -> Position:
        below = position.provided.below(f.name) if position.provided is not None else None
        return Position(position.subgraph, f.type, merge_provided(below, f.provides), "field")

    def _interface_field(self, subgraph: str, t: TypeView, f: FieldView) -> bool:
        """An interface field is taken on the interface only where every implementation the
        subgraph knows resolves it itself (else the query casts to each implementation)."""
        if t.name not in self.api_types:
            return False
        view = self.subgraphs[subgraph]
        for name in self.api_runtime_types(t.name):
            local = view.types.get(name)
            if local is None:
                continue
            own = local.fields.get(f.name)
            if own is None or own.external or own.requires is not None:
                return False
        return True

    def cast_edge(self, position: Position, type_name: str) -> Position | None:
        view = self.subgraphs[position.subgraph]
        t = self.type_in(position)
        if t.kind not in ("interface", "union") or type_name not in view.runtime_types(t.name):
            return None
        under = position.provided.under(type_name) if position.provided is not None else None
        return Position(position.subgraph, type_name, under, "cast")

    def fake_cast_edge(self, position: Position, type_name: str) -> Position | None:
        """An ``@interfaceObject`` stands in for each implementation of its interface (once
        ``__typename`` is known from a subgraph that has the implementations)."""
        t = self.type_in(position)
        if not t.interface_object or type_name not in self.all_implementations(t.name):
            return None
        arrival = "fake-cast-on-entry" if position.entered else "fake-cast"
        return Position(position.subgraph, position.type, position.provided, arrival)

    def key_edges(self, position: Position) -> list[KeyEdge]:
        """The keys a position can move to another subgraph by, in the subgraphs' order."""
        vertex = (position.subgraph, position.type)
        if vertex not in self._key_edges:
            edges = [self._keys_into(view, position) for view in self.subgraphs.values()
                     if view.name != position.subgraph]  # fmt: skip
            self._key_edges[vertex] = [e for found in edges for e in found]
        return self._key_edges[vertex]

    def _keys_into(self, view: SubgraphView, position: Position) -> list[KeyEdge]:
        edges = []
        same = view.types.get(position.type)
        if same is not None:
            edges += [KeyEdge(Position(view.name, same.name, None, "key"), k)
                      for k, resolvable in same.keys if resolvable]  # fmt: skip
        merged = self.supergraph.types[position.type]
        for interface in merged.interfaces if merged.kind == "object" else []:
            io = view.types.get(interface)
            if io is None or not io.interface_object:
                continue
            for k, resolvable in io.keys:
                if resolvable and _selects_only(k, self.type_in(position)):
                    target = Position(view.name, interface, None, "key")
                    edges.append(KeyEdge(target, k))
        return edges

    def root_edges(self, position: Position) -> list[Position]:
        """From a root type, a query can continue at any other subgraph's same root."""
        if position.type not in ROOT_TYPES:
            return []
        return [Position(v.name, position.type, None, "jump") for v in self.subgraphs.values()
                if v.name != position.subgraph and position.type in v.types]  # fmt: skip

    def locally_satisfiable_key(self, position: Position) -> bool:
        """Whether the type has a key its subgraph resolves all of (to come back to it after
        fetching a ``@requires`` elsewhere)."""
        view = self.subgraphs[position.subgraph]
        return any(_resolves_all(view, position.type, parse_selections(k))
                   for k, _ in self.type_in(position).keys)  # fmt: skip


def _selects_only(key: str, t: TypeView) -> bool:
    """Whether ``t`` has every top-level field of ``key`` (an implementation's fields can
    then be sent as the key of its ``@interfaceObject``)."""
    return all(not s.name or s.name in t.fields or s.name == "__typename"
               for s in parse_selections(key))  # fmt: skip


def _resolves_all(view: SubgraphView, type_name: str, selections: list[Selection]) -> bool:
    t = view.types.get(type_name)
    if t is None:
        return False
    for s in selections:
        f = t.fields.get(s.name)
        if s.name and (f is None or f.external):
            return False
        if f is not None and s.children and not _resolves_all(view, f.type, s.children):
            return False
    return True


_PARSED: dict[str, list[Selection]] = {}


def parse_selections(text: str) -> list[Selection]:
    if text not in _PARSED:
        try:
            _PARSED[text] = parse_field_set(text)
        except FieldSetError:
            _PARSED[text] = []
    return _PARSED[text]


def named(type_text: str) -> str:
    return type_text.replace("[", "").replace("]", "").replace("!", "").strip()


def build_graph(supergraph: Supergraph, type_order: list[str] | None = None) -> FederatedGraph:
    """Each subgraph's view of the types, from the supergraph's join directives;
    ``type_order`` is the order the subgraphs define the types in."""
    views = {name: SubgraphView(name) for _, (name, _) in sorted(supergraph.graphs.items())}
    names = {enum: name for enum, (name, _) in supergraph.graphs.items()}
    for merged in supergraph.types.values():
        for graph in dict.fromkeys(j.graph for j in merged.joins):
            views[names[graph]].types[merged.name] = _type_view(merged, graph, names)
    _number_provides(views)
    order = {n: i for i, n in enumerate(dict.fromkeys(type_order or []))}
    return FederatedGraph(supergraph, views, order)


def _number_provides(views: dict[str, SubgraphView]) -> None:
    """Number the ``@provides`` over the subgraphs (as Apollo names their positions)."""
    copies = 0
    for view in views.values():
        for t in view.types.values():
            for name, f in t.fields.items():
                if f.provides is not None:
                    copies += 1
                    t.fields[name] = replace(f, provides=_numbered(f.provides, copies))


def _numbered(provided: Provided, copy: int) -> Provided:
    return Provided(
        tuple((n, None if p is None else _numbered(p, copy)) for n, p in provided.fields),
        tuple((n, _numbered(p, copy)) for n, p in provided.casts),
        copy,
    )


def _type_view(t: SType, graph: str, names: dict[str, str]) -> TypeView:
    joins = [j for j in t.joins if j.graph == graph]
    interface_object = any(j.interface_object for j in joins)
    view = TypeView(
        t.name, "object" if interface_object else t.kind, interface_object,
        keys=[(j.key, j.resolvable) for j in joins if j.key is not None],
        interfaces=[i for g, i in t.implements if g == graph],
        members=[m for g, m in t.union_members if g == graph],
    )  # fmt: skip
    if t.kind in ("object", "interface"):
        for f in t.fields.values():
            if f.joins is None:
                view.fields[f.name] = FieldView(f.name, named(f.type))
                continue
            for j in f.joins:
                if j.graph == graph:
                    view.fields[f.name] = _field_view(f, j, names)
    return view


def _field_view(f: SField, join: JoinField, names: dict[str, str]) -> FieldView:
    override: tuple[str, bool] | None = None
    overriding = [j for j in f.joins or () if j.override is not None and j.override_label]
    for j in overriding:
        label = j.override_label or ""
        if j is join:
            override = (label, True)
        elif j.override == names.get(join.graph or ""):
            override = (label, False)
    provides = read_provided(parse_selections(join.provides)) if join.provides else None
    return FieldView(
        f.name, named(join.type or f.type), join.external or join.used_overridden,
        join.used_overridden, join.requires, provides, override,
    )  # fmt: skip


def _override_label(f: SField) -> str | None:
    for j in f.joins or ():
        if j.override is not None and j.override_label:
            return j.override_label
    return None
