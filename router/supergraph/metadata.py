"""Plain data describing which subgraph can do what, read from the ``join__*`` directives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Graph:
    """A subgraph: its ``join__Graph`` enum value, its name and its routing URL."""

    id: str
    name: str
    url: str


@dataclass(frozen=True)
class Key:
    fields: str
    resolvable: bool = True


@dataclass
class TypeInGraph:
    """What one subgraph says about a type (``@join__type``)."""

    graph: str
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    is_interface_object: bool = False


@dataclass(frozen=True)
class ContextArgument:
    """An argument of a field the router fills from a context an ancestor sets
    (``@join__field(contextArguments:)``, Federation 2.8's ``@fromContext``)."""

    context: str
    """The context's name in the supergraph (``storefront__market``)."""
    name: str
    """The argument, in the subgraph."""
    type: str
    """The argument's type in the subgraph, printed (``String``)."""
    selection: str
    """What to read from the type setting the context (`` { currency }``)."""
    variable: str
    """The variable the value travels in: ``contextualArgument_<n>_<m>``, numbered as Apollo's
    planner numbers them (the subgraph's place by name, the argument's by coordinate)."""


@dataclass(frozen=True)
class FieldInGraph:
    """What one subgraph says about a field (``@join__field``)."""

    graph: str
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: tuple[ContextArgument, ...] = ()


@dataclass
class FieldMeta:
    name: str
    type: str
    """The field's type in the supergraph, printed (``[Product!]!``)."""
    graphs: dict[str, FieldInGraph] = field(default_factory=dict)
    """Explicit ``@join__field`` entries by graph; empty means every graph of the type."""
    from_interface_object: bool = False
    """A bare ``@join__field``: the field comes from an ``@interfaceObject`` of an interface."""


@dataclass
class TypeMeta:
    name: str
    kind: str
    """One of OBJECT, INTERFACE, UNION, ENUM, INPUT_OBJECT, SCALAR."""
    graphs: dict[str, TypeInGraph] = field(default_factory=dict)
    fields: dict[str, FieldMeta] = field(default_factory=dict)
    implements: dict[str, set[str]] = field(default_factory=dict)
    """Interfaces this type implements, by graph."""
    union_members: dict[str, set[str]] = field(default_factory=dict)
    """For a union: its members, by graph."""
    owner: str | None = None
    """Federation 1 supergraphs: the graph that owns the type (``@join__owner``)."""
    contexts: list[str] = field(default_factory=list)
    """The contexts the type sets (``@context(name:)``), by their supergraph names."""

    def keys(self, graph: str) -> list[Key]:
        in_graph = self.graphs.get(graph)
        return in_graph.keys if in_graph else []

    def is_entity(self) -> bool:
        return any(t.keys for t in self.graphs.values())


@dataclass(frozen=True)
class ListSize:
    """``@listSize`` on a field: how many items a list it returns (or its sized fields) holds."""

    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass
class CostDirectives:
    """The demand-control directives (``@cost``, ``@listSize``) by schema coordinate:
    ``Type``, ``Type.field``, ``Type.field(argument:)``, ``Input.field``."""

    weights: dict[str, int] = field(default_factory=dict)
    list_sizes: dict[str, ListSize] = field(default_factory=dict)


@dataclass(frozen=True)
class CacheHint:
    """``@cacheControl`` on a type or field (Apollo's cache-control directive): how long a
    response holding it may be cached, and whether only for the user who asked."""

    max_age: int | None = None
    scope: str | None = None
    """``PUBLIC`` or ``PRIVATE``; None says nothing."""
    inherit_max_age: bool = False
