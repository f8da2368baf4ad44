"""Load a supergraph SDL: validate it, read its join metadata, build the API schema."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    value_from_ast_untyped,
)

from router.supergraph.api_schema import build_api_schema
from router.supergraph.features import Feature, linked_features
from router.supergraph.metadata import (
    CacheHint,
    ContextArgument,
    CostDirectives,
    FieldInGraph,
    FieldMeta,
    Graph,
    Key,
    ListSize,
    TypeInGraph,
    TypeMeta,
)
from router.types import RouterError

_KINDS: dict[type[TypeDefinitionNode], str] = {
    ObjectTypeDefinitionNode: "OBJECT",
    InterfaceTypeDefinitionNode: "INTERFACE",
    UnionTypeDefinitionNode: "UNION",
    EnumTypeDefinitionNode: "ENUM",
    InputObjectTypeDefinitionNode: "INPUT_OBJECT",
    ScalarTypeDefinitionNode: "SCALAR",
}


class SupergraphError(RouterError):
    """The supergraph SDL does not parse, does not validate, or is not a supergraph."""

    code = "INVALID_SUPERGRAPH"


@dataclass
class Supergraph:
    """Everything the planner and the executor need to know about a supergraph."""

    sdl: str
    schema: GraphQLSchema
    """The whole supergraph schema, ``@inaccessible`` elements included."""
    api_schema: GraphQLSchema
    """The schema clients see."""
    graphs: dict[str, Graph]
    types: dict[str, TypeMeta]
    features: dict[str, Feature]
    federation_version: int
    """1 for a Federation 1 supergraph (``join`` v0.1), else 2."""
    directives: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    """Security directives (``authenticated``, ``requiresScopes``, ``policy``) by coordinate."""
    cost: CostDirectives = field(default_factory=CostDirectives)
    """Demand-control directives (``@cost``, ``@listSize``)."""
    cache_hints: dict[str, CacheHint] = field(default_factory=dict)
    """``@cacheControl`` by coordinate (``Type``, ``Type.field``)."""

    def graph_by_name(self, name: str) -> Graph:
        for graph in self.graphs.values():
            if graph.name == name:
                return graph
        raise KeyError(name)


def load_supergraph(sdl: str) -> Supergraph:
    """Parse and validate a supergraph; raise :class:`SupergraphError` naming the location."""
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"supergraph does not parse: {_describe(error)}") from error
    features = linked_features(document)
    join = features.get("join")
    if join is None:
        raise SupergraphError("not a supergraph: no @link (or @core) to the join spec")
    try:
        schema = build_ast_schema(document, assume_valid_sdl=False)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"supergraph does not validate: {_describe(error)}") from error
    reader = _JoinReader(join, features.get("context"))
    graphs = reader.graphs(document)
    if not graphs:
        raise SupergraphError("supergraph defines no subgraphs (join__Graph is empty)")
    types = reader.types(document, schema)
    _number_context_arguments(types, graphs)
    api_schema = build_api_schema(document, features)
    return Supergraph(
        sdl=sdl,
        schema=schema,
        api_schema=api_schema,
        graphs=graphs,
        types=types,
        features=features,
        federation_version=1 if join.version == "0.1" else 2,
        directives=_security_directives(document, features),
        cost=_cost_directives(document, features),
        cache_hints=_cache_hints(document, features),
    )


def _describe(error: Exception) -> str:
    if isinstance(error, GraphQLError):
        where = ", ".join(f"line {loc.line}, column {loc.column}" for loc in error.locations or ())
        return f"{error.message}" + (f" (at {where})" if where else "")
    return str(error)


def _arguments(directive: DirectiveNode) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments}


class _JoinReader:
    def __init__(self, join: Feature, context: Feature | None = None) -> None:
        self.context = context.directive("context") if context is not None else None
        self.graph_enum = f"{join.prefix}__Graph"
        self.type_ = join.directive("type")
        self.field = join.directive("field")
        self.graph = join.directive("graph")
        self.implements = join.directive("implements")
        self.union_member = join.directive("unionMember")
        self.owner = join.directive("owner")

    def graphs(self, document: DocumentNode) -> dict[str, Graph]:
        graphs: dict[str, Graph] = {}
        for definition in document.definitions:
            if not isinstance(definition, EnumTypeDefinitionNode):
                continue
            if definition.name.value != self.graph_enum:
                continue
            for value in definition.values or ():
                for directive in value.directives or ():
                    if directive.name.value == self.graph:
                        args = _arguments(directive)
                        graphs[value.name.value] = Graph(
                            value.name.value, str(args["name"]), str(args["url"])
                        )
        return graphs

    def types(self, document: DocumentNode, schema: GraphQLSchema) -> dict[str, TypeMeta]:
        types: dict[str, TypeMeta] = {}
        for definition in document.definitions:
            if not isinstance(definition, TypeDefinitionNode):
                continue
            kind = _KINDS.get(type(definition))
            if kind is None:
                continue
            meta = TypeMeta(definition.name.value, kind)
            self._read_type_directives(meta, definition)
            self._read_fields(meta, definition, schema)
            types[meta.name] = meta
        return types

    def _read_type_directives(self, meta: TypeMeta, definition: TypeDefinitionNode) -> None:
        for directive in definition.directives or ():
            name = directive.name.value
            args = _arguments(directive)
            if name == self.type_:
                graph = str(args["graph"])
                in_graph = meta.graphs.setdefault(graph, TypeInGraph(graph))
                in_graph.extension = in_graph.extension or bool(args.get("extension", False))
                if args.get("isInterfaceObject"):
                    in_graph.is_interface_object = True
                if args.get("key") is not None:
                    resolvable = args.get("resolvable", True) is not False
                    in_graph.keys.append(Key(str(args["key"]), resolvable))
            elif name == self.owner:
                meta.owner = str(args["graph"])
            elif name == self.context:
                meta.contexts.append(str(args["name"]))
            elif name == self.implements:
                meta.implements.setdefault(str(args["graph"]), set()).add(str(args["interface"]))
            elif name == self.union_member:
                meta.union_members.setdefault(str(args["graph"]), set()).add(str(args["member"]))

    def _read_fields(
        self, meta: TypeMeta, definition: TypeDefinitionNode, schema: GraphQLSchema
    ) -> None:
        if not isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            return
        graphql_type = schema.type_map[meta.name]
        fields = getattr(graphql_type, "fields", {})
        for node in definition.fields or ():
            field_meta = FieldMeta(node.name.value, str(fields[node.name.value].type))
            for directive in node.directives or ():
                if directive.name.value != self.field:
                    continue
                args = _arguments(directive)
                if args.get("graph") is None:
                    field_meta.from_interface_object = True
                    continue
                graph = str(args["graph"])
                field_meta.graphs[graph] = FieldInGraph(
                    graph=graph,
                    requires=args.get("requires"),
                    provides=args.get("provides"),
                    type=args.get("type"),
                    external=bool(args.get("external", False)),
                    override=args.get("override"),
                    override_label=args.get("overrideLabel"),
                    used_overridden=bool(args.get("usedOverridden", False)),
                    context_arguments=tuple(
                        _context_argument(a) for a in args.get("contextArguments") or ()
                    ),
                )
            meta.fields[field_meta.name] = field_meta


def _context_argument(argument: dict[str, Any]) -> ContextArgument:
    return ContextArgument(
        context=str(argument["context"]),
        name=str(argument["name"]),
        type=str(argument["type"]),
        selection=str(argument["selection"]),
        variable="",  # numbered once every field is read
    )


def _number_context_arguments(types: dict[str, TypeMeta], graphs: dict[str, Graph]) -> None:
    """Name each contextual argument's variable as Apollo's planner does, so plans compare:
    ``contextualArgument_<n>_<m>``, ``n`` the subgraph's place among the subgraphs by name
    (from 1), ``m`` the argument's among that subgraph's contextual arguments by coordinate."""
    coordinates: dict[str, list[str]] = {}
    for meta in types.values():
        for field_meta in meta.fields.values():
            for graph, entry in field_meta.graphs.items():
                coordinates.setdefault(graph, []).extend(
                    f"{meta.name}.{field_meta.name}({a.name}:)" for a in entry.context_arguments
                )
    by_name = sorted(graphs.values(), key=lambda g: g.name)
    for meta in types.values():
        for field_meta in meta.fields.values():
            for graph, entry in list(field_meta.graphs.items()):
                if not entry.context_arguments:
                    continue
                ordered = sorted(coordinates[graph])
                place = next(i for i, g in enumerate(by_name, 1) if g.id == graph)
                numbered = tuple(
                    replace(a, variable=f"contextualArgument_{place}_"
                            f"{ordered.index(f'{meta.name}.{field_meta.name}({a.name}:)')}")
                    for a in entry.context_arguments
                )  # fmt: skip
                field_meta.graphs[graph] = replace(entry, context_arguments=numbered)


def _security_directives(
    document: DocumentNode, features: dict[str, Feature]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``Type`` or ``Type.field`` → directive name → the arguments of each use."""
    names = {
        features[spec].directive(spec): spec
        for spec in ("authenticated", "requiresScopes", "policy")
        if spec in features
    }
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    if not names:
        return found
    for definition in document.definitions:
        if not isinstance(definition, TypeDefinitionNode):
            continue
        coordinates: list[tuple[str, tuple[DirectiveNode, ...]]] = [
            (definition.name.value, tuple(definition.directives or ()))
        ]
        for node in getattr(definition, "fields", None) or ():
            coordinates.append(
                (f"{definition.name.value}.{node.name.value}", tuple(node.directives or ()))
            )
        for coordinate, directives in coordinates:
            for directive in directives:
                spec = names.get(directive.name.value)
                if spec is not None:
                    found.setdefault(coordinate, {}).setdefault(spec, []).append(
                        _arguments(directive)
                    )
    return found


def _cost_directives(document: DocumentNode, features: dict[str, Feature]) -> CostDirectives:
    found = CostDirectives()
    spec = features.get("cost")
    if spec is None:
        return found
    cost, list_size = spec.directive("cost"), spec.directive("listSize")
    for coordinate, directives in _coordinates(document):
        for directive in directives:
            name = directive.name.value
            if name == cost:
                weight = _arguments(directive).get("weight")
                if isinstance(weight, int):
                    found.weights[coordinate] = weight
            elif name == list_size:
                args = _arguments(directive)
                assumed = args.get("assumedSize")
                found.list_sizes[coordinate] = ListSize(
                    assumed_size=assumed if isinstance(assumed, int) else None,
                    slicing_arguments=tuple(str(a) for a in args.get("slicingArguments") or ()),
                    sized_fields=tuple(str(f) for f in args.get("sizedFields") or ()),
                    require_one_slicing_argument=args.get("requireOneSlicingArgument") is not False,
                )
    return found


def _cache_hints(document: DocumentNode, features: dict[str, Feature]) -> dict[str, CacheHint]:
    """``@cacheControl`` as subgraphs compose it (``@composeDirective`` with a ``@link`` that
    imports it, under whatever name it is imported as), or by its own name."""
    names = {"cacheControl"}
    for feature in features.values():
        if "@cacheControl" in feature.imports:
            names = {feature.imports["@cacheControl"].lstrip("@")}
    hints: dict[str, CacheHint] = {}
    for coordinate, directives in _coordinates(document):
        for directive in directives:
            if directive.name.value not in names:
                continue
            args = _arguments(directive)
            max_age, scope = args.get("maxAge"), args.get("scope")
            hints[coordinate] = CacheHint(
                max_age=max_age if isinstance(max_age, int) and max_age >= 0 else None,
                scope=scope if scope in ("PUBLIC", "PRIVATE") else None,
                inherit_max_age=args.get("inheritMaxAge") is True,
            )
    return hints


def _coordinates(document: DocumentNode) -> list[tuple[str, tuple[DirectiveNode, ...]]]:
    """Every type, field, argument and input field with its directives, by coordinate."""
    found: list[tuple[str, tuple[DirectiveNode, ...]]] = []
    for definition in document.definitions:
        if not isinstance(definition, TypeDefinitionNode):
            continue
        type_name = definition.name.value
        found.append((type_name, tuple(definition.directives or ())))
        for node in getattr(definition, "fields", None) or ():
            coordinate = f"{type_name}.{node.name.value}"
            found.append((coordinate, tuple(node.directives or ())))
            for argument in getattr(node, "arguments", None) or ():
                found.append(
                    (f"{coordinate}({argument.name.value}:)", tuple(argument.directives or ()))
                )
    return found
