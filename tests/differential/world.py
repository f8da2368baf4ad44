"""What the generic subgraphs read from the supergraph: keys, entity interfaces, ``@requires``.

Every subgraph of a fixture derives its values from the same facts so that an entity's fields
agree across subgraphs; those facts are the supergraph's, read here straight from its
``join__*`` directives (not through the router, which is what the fuzzer tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graphql import (
    DirectiveNode,
    EnumTypeDefinitionNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    build_ast_schema,
    parse,
)


@dataclass
class World:
    """The supergraph's facts, by type name (and by subgraph name where they differ)."""

    schema: GraphQLSchema
    keys: dict[str, list[str]] = field(default_factory=dict)
    """Every key field set of a type, in any subgraph."""
    subgraph_keys: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """``(subgraph, type)`` → the key field sets that subgraph resolves the type by."""
    interface_objects: set[str] = field(default_factory=set)
    requires: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """``(subgraph, type, field)`` → the field set it requires."""
    provides: set[tuple[str, str]] = field(default_factory=set)
    """``(type, field)`` of every field with a ``@provides`` in some subgraph."""
    resolvers: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """``(type, field)`` → the subgraphs that resolve it (not ``@external`` there)."""

    @cached_property
    def entity_interfaces(self) -> set[str]:
        return {
            name
            for name in self.keys
            if isinstance(self.schema.type_map.get(name), GraphQLInterfaceType)
        }

    def implementations(self, interface: str) -> list[str]:
        """The object types implementing ``interface`` in the supergraph, sorted."""
        abstract = self.schema.type_map[interface]
        assert isinstance(abstract, GraphQLInterfaceType)
        return sorted(t.name for t in self.schema.get_possible_types(abstract))

    def entity_interfaces_of(self, typename: str) -> list[str]:
        found = self.schema.type_map.get(typename)
        if not isinstance(found, GraphQLObjectType):
            return []
        return sorted(i.name for i in found.interfaces if i.name in self.entity_interfaces)

    def family(self, typename: str) -> str:
        """The name an entity's values are derived under: its entity interface if it has one,
        so that an ``@interfaceObject`` and the implementations agree."""
        interfaces = self.entity_interfaces_of(typename)
        return interfaces[0] if interfaces else typename

    def is_entity(self, typename: str) -> bool:
        return typename in self.keys or bool(self.entity_interfaces_of(typename))

    def key_fields(self, typename: str) -> set[str]:
        """Top-level field names of every key of the type (or of its entity interfaces)."""
        names: set[str] = set()
        for owner in (typename, *self.entity_interfaces_of(typename)):
            for field_set in self.keys.get(owner, ()):
                names.update(_top_level_fields(field_set))
        return names


def read_world(supergraph_sdl: str) -> World:
    document = parse(supergraph_sdl)
    world = World(schema=build_ast_schema(document))
    graph_names = _graph_names(document)
    for definition in document.definitions:
        if not isinstance(definition, TypeDefinitionNode):
            continue
        name = definition.name.value
        type_graphs = []
        for directive in definition.directives or ():
            if directive.name.value != "join__type":
                continue
            graph = graph_names.get(_enum_argument(directive, "graph") or "", "")
            type_graphs.append(graph)
            arguments = _string_arguments(directive)
            if "key" in arguments:
                world.keys.setdefault(name, []).append(arguments["key"])
                if _boolean_argument(directive, "resolvable", default=True):
                    world.subgraph_keys.setdefault((graph, name), []).append(arguments["key"])
            if _boolean_argument(directive, "isInterfaceObject"):
                world.interface_objects.add(name)
        if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            for field_node in definition.fields or ():
                _read_field(world, graph_names, name, field_node, type_graphs)
    return world


def _read_field(
    world: World, graph_names: dict[str, str], typename: str, node: Any, type_graphs: list[str]
) -> None:
    resolvers = []
    explicit = False
    for directive in node.directives or ():
        if directive.name.value != "join__field":
            continue
        explicit = True
        arguments = _string_arguments(directive)
        graph = graph_names.get(_enum_argument(directive, "graph") or "")
        if graph is None:
            continue
        if "requires" in arguments:
            world.requires[graph, typename, node.name.value] = arguments["requires"]
        if "provides" in arguments:
            world.provides.add((typename, node.name.value))
        if not _boolean_argument(directive, "external"):
            resolvers.append(graph)
    world.resolvers[typename, node.name.value] = resolvers if explicit else list(type_graphs)


def _graph_names(document: object) -> dict[str, str]:
    names: dict[str, str] = {}
    for definition in getattr(document, "definitions", ()):
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value.endswith(
            "__Graph"
        ):
            for value in definition.values or ():
                for directive in value.directives or ():
                    arguments = _string_arguments(directive)
                    if "name" in arguments:
                        names[value.name.value] = arguments["name"]
    return names


def _string_arguments(directive: DirectiveNode) -> dict[str, str]:
    return {
        argument.name.value: argument.value.value
        for argument in directive.arguments or ()
        if isinstance(argument.value, StringValueNode)
    }


def _enum_argument(directive: DirectiveNode, name: str) -> str | None:
    for argument in directive.arguments or ():
        if argument.name.value == name:
            return str(getattr(argument.value, "value", "")) or None
    return None


def _boolean_argument(directive: DirectiveNode, name: str, default: bool = False) -> bool:
    for argument in directive.arguments or ():
        if argument.name.value == name:
            return getattr(argument.value, "value", False) is True
    return default


def _top_level_fields(field_set: str) -> list[str]:
    operation = parse("{" + field_set + "}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]
