"""An executable graphql-core schema from a subgraph's SDL, with Federation's entry points.

Directives are dropped (the subgraph's behaviour comes from the supergraph's facts, see
``world.py``), type extensions without a base type become definitions (Federation 1 subgraphs
extend types they never define), and ``_Any``, ``_Entity``, ``_Service``, ``_entities`` and
``_service`` are added as the Federation subgraph spec defines them.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLObjectType,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    Node,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
)

from tests.differential.world import World

_DEFINITION_OF: dict[type[TypeExtensionNode], type[TypeDefinitionNode]] = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
    UnionTypeExtensionNode: UnionTypeDefinitionNode,
    EnumTypeExtensionNode: EnumTypeDefinitionNode,
    InputObjectTypeExtensionNode: InputObjectTypeDefinitionNode,
    ScalarTypeExtensionNode: ScalarTypeDefinitionNode,
}
_FEDERATION_TYPES = {"_Any", "_FieldSet", "FieldSet", "_Entity", "_Service", "policy", "scope"}
_FEDERATION_FIELDS = {"_entities", "_service"}
_KEPT_DIRECTIVES = {"deprecated", "specifiedBy", "oneOf"}


def build_subgraph_schema(sdl: str, world: World) -> GraphQLSchema:
    """The subgraph's executable schema; entity types are those the supergraph has keys for."""
    document = _plain_document(parse(sdl))
    schema = build_ast_schema(document)
    query = schema.query_type.name if schema.query_type else "Query"
    entities = sorted(
        name
        for name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType)
        and not name.startswith("__")
        and (world.is_entity(name) or name in world.interface_objects)
    )
    additions = ["scalar _Any", "type _Service { sdl: String! }"]
    entry_points = ["_service: _Service!"]
    if entities:
        additions.append(f"union _Entity = {' | '.join(entities)}")
        entry_points.append("_entities(representations: [_Any!]!): [_Entity]!")
    keyword = "extend type" if schema.query_type else "type"
    additions.append(f"{keyword} {query} {{ {' '.join(entry_points)} }}")
    extra = parse("\n".join(additions)).definitions
    return build_ast_schema(DocumentNode(definitions=(*document.definitions, *extra)))


def _plain_document(document: DocumentNode) -> DocumentNode:
    defined = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode)}
    definitions: list[Node] = []
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode | SchemaExtensionNode):
            continue
        name = getattr(getattr(definition, "name", None), "value", None)
        if name in _FEDERATION_TYPES or (name or "").startswith(("link__", "federation__")):
            continue
        if isinstance(definition, TypeExtensionNode) and name not in defined:
            definition = _DEFINITION_OF[type(definition)](**_node_fields(definition))
            defined.add(str(name))
        definitions.append(_without_directives(definition))
    return DocumentNode(definitions=tuple(definitions))


def root_operation_types(schema: GraphQLSchema) -> dict[str, OperationType]:
    """Root type name → its operation (custom root type names included)."""
    roots = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }
    return {t.name: operation for operation, t in roots.items() if t is not None}


def _without_directives(node: Any) -> Any:
    """A copy of ``node`` without directives other than the built-in ones, recursively, and
    without the Federation entry points a subgraph SDL may already declare."""
    if isinstance(node, list | tuple):
        kept = [_without_directives(item) for item in node]
        return tuple(
            item
            for item in kept
            if not (
                getattr(item, "kind", None) == "field_definition"
                and item.name.value in _FEDERATION_FIELDS
            )
        )
    if not isinstance(node, Node):
        return node
    values = _node_fields(node)
    for key, value in values.items():
        if key == "directives" and value:
            values[key] = tuple(d for d in value if d.name.value in _KEPT_DIRECTIVES)
        elif key != "loc":
            values[key] = _without_directives(value)
    if isinstance(node, SchemaDefinitionNode):
        values["directives"] = ()
    return type(node)(**values)


def _node_fields(node: Node) -> dict[str, Any]:
    return {key: getattr(node, key, None) for key in node.keys}
