"""Questions the planner asks about a supergraph: who resolves a field, with which keys."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from graphql import (
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_abstract_type,
    is_composite_type,
    is_object_type,
    parse,
)

from router.planning.errors import PlanningError
from router.planning.normalize import normalize_operation
from router.planning.operation import Field, Selection
from router.supergraph import FieldInGraph, Key, Supergraph
from router.supergraph.metadata import ContextArgument


@dataclass(frozen=True)
class Source:
    """A subgraph that resolves a field; ``via`` names the interface object it goes through."""

    graph: str
    via: str | None = None


class SchemaIndex:
    """Read-only answers over one supergraph for one set of active override labels."""

    def __init__(self, supergraph: Supergraph, labels: frozenset[str] = frozenset()) -> None:
        self.supergraph = supergraph
        self.schema = supergraph.schema
        self.types = supergraph.types
        self.labels = labels
        self._field_sets = cache(self._parse_field_set)

    # -- types -------------------------------------------------------------------------------
    def named_type(self, name: str) -> GraphQLNamedType:
        return self.schema.type_map[name]

    def is_abstract(self, type_name: str) -> bool:
        return is_abstract_type(self.named_type(type_name))

    def is_composite(self, type_name: str) -> bool:
        return is_composite_type(self.named_type(type_name))

    def graphs_of(self, type_name: str) -> set[str]:
        meta = self.types.get(type_name)
        if meta is None or not meta.graphs:
            return set(self.supergraph.graphs)
        return set(meta.graphs)

    def is_interface_object(self, graph: str, type_name: str) -> bool:
        meta = self.types.get(type_name)
        in_graph = meta.graphs.get(graph) if meta else None
        return bool(in_graph and in_graph.is_interface_object)

    def possible_types(self, type_name: str, graph: str | None = None) -> list[str]:
        """Object types a value of ``type_name`` can be; only those ``graph`` knows, if given."""
        named = self.named_type(type_name)
        if is_object_type(named):
            return [type_name]
        if not is_abstract_type(named):
            return []
        candidates = [t.name for t in self.schema.get_possible_types(named)]  # type: ignore[arg-type]
        if graph is None:
            return candidates
        meta = self.types[type_name]
        if meta.kind == "UNION":
            members = meta.union_members.get(graph)
            if members is None and not meta.union_members:
                members = set(candidates)
            return [c for c in candidates if c in (members or set())]
        return [
            c
            for c in candidates
            if type_name in self.types[c].implements.get(graph, set())
            or (not self.types[c].implements and graph in self.graphs_of(c))
        ]

    def type_matches(self, runtime_type: str, condition: str | None) -> bool:
        """Does a ``... on condition`` fragment apply to an object of ``runtime_type``?"""
        if condition is None or condition == runtime_type:
            return True
        named = self.schema.type_map.get(condition)
        runtime = self.schema.type_map.get(runtime_type)
        if named is None or runtime is None or not is_abstract_type(named):
            return False
        if not isinstance(runtime, GraphQLObjectType):
            # An interface object stands for any implementation of its interface.
            return runtime_type == condition
        return self.schema.is_sub_type(named, runtime)  # type: ignore[arg-type]

    def field_type(self, type_name: str, field_name: str) -> GraphQLOutputType:
        named = self.named_type(type_name)
        fields = getattr(named, "fields", {})
        if field_name not in fields:
            raise PlanningError(f"Cannot query field {field_name!r} on type {type_name!r}.")
        output: GraphQLOutputType = fields[field_name].type
        return output

    def return_shape(self, type_name: str, field_name: str) -> tuple[str, int]:
        """The named return type of a field and how many list levels wrap it."""
        graphql_type: GraphQLOutputType = self.field_type(type_name, field_name)
        depth = 0
        while True:
            if isinstance(graphql_type, GraphQLNonNull):
                graphql_type = graphql_type.of_type
            elif isinstance(graphql_type, GraphQLList):
                depth += 1
                graphql_type = graphql_type.of_type
            else:
                assert isinstance(graphql_type, GraphQLNamedType)
                return graphql_type.name, depth

    def return_shape_in(self, graph: str, type_name: str, field_name: str) -> tuple[str, int]:
        """Like :meth:`return_shape`, with the type this subgraph gives the field, if it differs."""
        entry = self.field_in_graph(graph, type_name, field_name)
        if entry is None or not entry.type:
            return self.return_shape(type_name, field_name)
        printed = entry.type
        depth = printed.count("[")
        return printed.replace("[", "").replace("]", "").replace("!", "").strip(), depth

    # -- fields ------------------------------------------------------------------------------
    def field_in_graph(self, graph: str, type_name: str, field_name: str) -> FieldInGraph | None:
        meta = self.types.get(type_name)
        field_meta = meta.fields.get(field_name) if meta else None
        return field_meta.graphs.get(graph) if field_meta else None

    def can_resolve(self, graph: str, type_name: str, field_name: str) -> bool:
        """Can ``graph`` resolve ``type_name.field_name`` by itself (no ``@external``)?"""
        if field_name == "__typename":
            return True
        if self.supergraph.federation_version == 1 and self._is_key_field(
            graph, type_name, field_name
        ):
            # Federation 1 supergraphs list key fields only under the owner; every subgraph
            # that declares the key can return them.
            return True
        return Source(graph) in self.sources(type_name, field_name)

    def _is_key_field(self, graph: str, type_name: str, field_name: str) -> bool:
        return any(
            isinstance(s, Field) and s.name == field_name
            for key in self.keys(graph, type_name, resolvable=False)
            for s in self.field_set(type_name, key.fields)
        )

    def sources(self, type_name: str, field_name: str) -> list[Source]:
        """Every subgraph that can resolve the field, in supergraph order."""
        meta = self.types.get(type_name)
        if meta is None:
            return []
        field_meta = meta.fields.get(field_name)
        if field_meta is None:
            return []
        if field_meta.from_interface_object:
            return self._sources_through_interface_objects(type_name, field_name)
        if not field_meta.graphs:
            graphs = self.graphs_of(type_name)
            if meta.owner is not None:
                graphs = {meta.owner}
            return [Source(g) for g in self.supergraph.graphs if g in graphs]
        return [
            Source(g)
            for g in self.supergraph.graphs
            if (entry := field_meta.graphs.get(g)) is not None and self._resolvable(entry)
        ]

    def _resolvable(self, entry: FieldInGraph) -> bool:
        if entry.external or entry.used_overridden:
            return False
        if entry.override_label is not None:
            active = self._label_active(entry.override_label)
            return active if entry.override is not None else not active
        return True

    def _label_active(self, label: str) -> bool:
        return label in self.labels

    def _sources_through_interface_objects(self, type_name: str, field_name: str) -> list[Source]:
        found: list[Source] = []
        named = self.named_type(type_name)
        for interface in getattr(named, "interfaces", ()):
            for source in self.sources(interface.name, field_name):
                if self.is_interface_object(source.graph, interface.name):
                    found.append(Source(source.graph, via=interface.name))
        return found

    def requires(self, graph: str, type_name: str, field_name: str) -> str | None:
        entry = self.field_in_graph(graph, type_name, field_name)
        return entry.requires if entry else None

    def context_arguments(
        self, graph: str, type_name: str, field_name: str
    ) -> tuple[ContextArgument, ...]:
        """The arguments ``graph`` takes from contexts for the field (``@fromContext``)."""
        entry = self.field_in_graph(graph, type_name, field_name)
        return entry.context_arguments if entry else ()

    def provides(self, graph: str, type_name: str, field_name: str) -> str | None:
        entry = self.field_in_graph(graph, type_name, field_name)
        return entry.provides if entry else None

    # -- keys --------------------------------------------------------------------------------
    def keys(self, graph: str, type_name: str, *, resolvable: bool) -> list[Key]:
        meta = self.types.get(type_name)
        if meta is None:
            return []
        keys = meta.keys(graph)
        return [k for k in keys if k.resolvable] if resolvable else keys

    def field_set(self, type_name: str, fields: str) -> list[Selection]:
        """A ``FieldSet`` (key, requires, provides) parsed against ``type_name``."""
        return self._field_sets(type_name, fields)

    def _parse_field_set(self, type_name: str, fields: str) -> list[Selection]:
        document = parse("{" + fields + "}")
        return normalize_operation(document).selections
