"""Reading one subgraph's SDL: its types, and what the federation directives say about them.

A Federation v2 subgraph names the directives it imports in its federation ``@link``; the
others are reachable with the link's prefix (``@federation__key``). This module resolves those
names once, so the merge never has to think about renames.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueNode,
    FieldDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)

from schema.composition.cost import CostArgumentError, ListSize, read_cost, read_list_size
from schema.composition.errors import CompositionError, ErrorLocation
from schema.composition.links import directive_arguments as _arguments
from schema.composition.links import read_links
from schema.composition.specs import (
    LOCATIONS,
    SPEC_OF,
    TYPE_LOCATIONS,
)

# Definitions every subgraph carries for the federation protocol; never in a supergraph.
PROTOCOL_TYPES = {"_Any", "_Entity", "_Service", "FieldSet", "_FieldSet", "link__Import",
                  "link__Purpose", "federation__FieldSet", "federation__Scope",
                  "federation__Policy", "federation__ContextFieldValue"}  # fmt: skip
PROTOCOL_FIELDS = {"_entities", "_service"}
ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
BUILT_IN_DIRECTIVES = {"deprecated", "specifiedBy", "include", "skip", "oneOf", "defer", "stream",
                       "link"}  # fmt: skip


class SubgraphError(Exception):
    def __init__(self, error: CompositionError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class Element:
    """What every schema element may carry: security and visibility directives."""

    subgraph: str = ""
    line: int | None = None
    column: int | None = None
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    authenticated: bool = False
    requires_scopes: list[list[str]] | None = None
    policies: list[list[str]] | None = None
    cost: int | None = None
    list_size: ListSize | None = None
    composed: list[DirectiveNode] = field(default_factory=list)
    """Applications of ``@composeDirective``-named custom directives."""
    specified_by: str | None = None


@dataclass
class ArgumentDef(Element):
    name: str = ""
    type: TypeNode | None = None
    default: str | None = None
    """The default value as printed GraphQL, or None."""
    from_context: str | None = None
    """``@fromContext(field:)``: the context and selection the router takes the value from."""


@dataclass
class FieldDef(Element):
    name: str = ""
    type: TypeNode | None = None
    arguments: dict[str, ArgumentDef] = field(default_factory=dict)
    marked_external: bool = False
    """Whether the field itself carries ``@external``."""
    marked_shareable: bool = False
    """Whether ``@shareable`` is on the field or on the type definition that lists it."""
    external: bool = False
    """Whether the subgraph does not resolve the field: ``@external`` on it or its type, unless
    it is a key field of a type extension (see :mod:`schema.composition.metadata`)."""
    shareable: bool = False
    """Whether the subgraph may resolve the field along with others: marked, a key field, or
    an external field some ``@provides`` of the subgraph provides."""
    provided: bool = False
    """Whether some ``@provides`` of the subgraph selects the field."""
    used: bool = False
    """Whether a key, ``@requires`` or ``@provides`` of the subgraph selects the field, or
    it implements a field of an interface the subgraph defines."""
    requires: str | None = None
    provides: str | None = None
    override_from: str | None = None
    override_label: str | None = None
    default: str | None = None
    """For input fields: the default value as printed GraphQL."""


@dataclass
class EnumValueDef(Element):
    name: str = ""


@dataclass
class Key:
    fields: str
    resolvable: bool = True
    extension: bool = False
    """Whether the key is applied on a type extension (``extend type``)."""


@dataclass
class TypeDef(Element):
    kind: str = ""
    """One of object, interface, union, enum, input, scalar."""
    name: str = ""
    fields: dict[str, FieldDef] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    defined: bool = False
    """Whether the subgraph has a definition of the type, not only extensions."""
    extended: bool = False
    """Whether the subgraph has an extension of the type (``extend type``)."""
    extends: bool = False
    """Whether the type carries ``@extends``."""
    marked_external: bool = False
    """Whether the type carries ``@external`` (all its fields are external)."""
    interface_object: bool = False
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValueDef] = field(default_factory=dict)
    contexts: list[str] = field(default_factory=list)
    """The names of the contexts the type sets (``@context``)."""


@dataclass
class Subgraph:
    name: str
    url: str
    types: dict[str, TypeDef] = field(default_factory=dict)
    directive_definitions: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    composed_directives: dict[str, str] = field(default_factory=dict)
    """Custom directive name → the URL of the ``@link`` that brings it in."""
    composed_imports: dict[str, list[Any]] = field(default_factory=dict)
    """Link URL → its ``import`` list, as written."""
    federation_version: tuple[int, int] = (2, 0)
    spec_names: dict[str, str] = field(default_factory=dict)
    """Federation directive the supergraph carries (``cost``) → the name this subgraph applies
    it by (``cost``, ``federation__cost``, or the name it is imported as)."""
    roots: dict[str, str] = field(default_factory=dict)
    """Operation → root type name in this subgraph."""
    errors: list[CompositionError] = field(default_factory=list)
    """What is wrong with this subgraph on its own."""
    directive_roles: dict[str, str] = field(default_factory=dict)
    """Local directive name → the federation directive it is."""

    def location(self, element: Element | None = None) -> ErrorLocation:
        if element is None:
            return ErrorLocation(self.name)
        return ErrorLocation(self.name, element.line, element.column)


def read_subgraph(name: str, url: str, sdl: str) -> Subgraph:
    """Parse and read one subgraph; raises :class:`SubgraphError` with ``INVALID_GRAPHQL``."""
    try:
        document = parse(sdl)
    except GraphQLError as error:
        line, column = _first_location(error)
        raise SubgraphError(CompositionError(
            "INVALID_GRAPHQL", f'[{name}] {error.message}',
            (ErrorLocation(name, line, column),),
        )) from error  # fmt: skip
    return _Reader(name, url, document).read()


def _first_location(error: GraphQLError) -> tuple[int | None, int | None]:
    if error.locations:
        return error.locations[0].line, error.locations[0].column
    return None, None


class _Reader:
    def __init__(self, name: str, url: str, document: DocumentNode) -> None:
        self.subgraph = Subgraph(name, url)
        self.document = document
        self.names: dict[str, str] = {}
        """Local directive name → federation directive name."""

    def read(self) -> Subgraph:
        self.names = read_links(self.document, self.subgraph, self._error)
        if any(e.code == "INVALID_LINK_DIRECTIVE_USAGE" for e in self.subgraph.errors):
            return self.subgraph  # what the SDL applies cannot be told apart
        for definition in self.document.definitions:
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                for operation in definition.operation_types or ():
                    op = operation.operation.value
                    self.subgraph.roots[op] = operation.type.name.value
            elif isinstance(definition, DirectiveDefinitionNode):
                self.subgraph.directive_definitions[definition.name.value] = definition
        for definition in self.document.definitions:
            self._read_definition(definition)
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                for directive in definition.directives or ():
                    self._check_known(directive)
        self._check_defaults()
        self._rename_roots()
        self.subgraph.directive_roles = dict(self.names)
        # Every subgraph answers queries (at least `_service` and `_entities`), so it has a
        # query root even when its SDL declares none.
        self.subgraph.types.setdefault("Query", TypeDef(kind="object", name="Query"))
        return self.subgraph

    def _read_definition(self, definition: Any) -> None:
        kinds: dict[type, str] = {
            ObjectTypeDefinitionNode: "object", ObjectTypeExtensionNode: "object",
            InterfaceTypeDefinitionNode: "interface", InterfaceTypeExtensionNode: "interface",
            UnionTypeDefinitionNode: "union", UnionTypeExtensionNode: "union",
            EnumTypeDefinitionNode: "enum", EnumTypeExtensionNode: "enum",
            InputObjectTypeDefinitionNode: "input", InputObjectTypeExtensionNode: "input",
            ScalarTypeDefinitionNode: "scalar", ScalarTypeExtensionNode: "scalar",
        }  # fmt: skip
        kind = kinds.get(type(definition))
        if kind is None:
            return
        name = definition.name.value
        if name in PROTOCOL_TYPES or name.startswith(("federation__", "link__", "join__")):
            return
        existing = self.subgraph.types.get(name)
        if existing is not None and existing.kind != kind:
            raise SubgraphError(CompositionError(
                "INVALID_GRAPHQL", f'[{self.subgraph.name}] type "{name}" is defined twice '
                f"with different kinds", (self._location(definition),),
            ))  # fmt: skip
        typedef = existing or TypeDef(kind=kind, name=name)
        if existing is None:
            self._place(typedef, definition)
            self.subgraph.types[name] = typedef
        extension = type(definition).__name__.endswith("ExtensionNode")
        typedef.extended = typedef.extended or extension
        typedef.defined = typedef.defined or not extension
        location = TYPE_LOCATIONS[kind]
        # A type's @shareable covers the fields of the definition (or extension) it is on.
        shared = self._read_type_directives(typedef, definition.directives or (), location,
                                            extension)  # fmt: skip
        if kind in ("object", "interface"):
            typedef.interfaces += [i.name.value for i in definition.interfaces or ()]
            for field_node in definition.fields or ():
                if field_node.name.value in PROTOCOL_FIELDS:
                    continue
                read = self._field(typedef, field_node)
                read.marked_shareable = read.marked_shareable or shared
                typedef.fields[field_node.name.value] = read
        elif kind == "input":
            for value in definition.fields or ():
                typedef.fields[value.name.value] = self._input_field(value)
        elif kind == "union":
            typedef.members += [t.name.value for t in definition.types or ()]
        elif kind == "enum":
            for value in definition.values or ():
                enum_value = EnumValueDef(name=value.name.value)
                self._place(enum_value, value)
                self._read_common(enum_value, value.directives or (), "ENUM_VALUE")
                typedef.values[value.name.value] = enum_value

    def _read_type_directives(
        self, typedef: TypeDef, directives: Iterable[DirectiveNode], location: str,
        extension: bool,
    ) -> bool:  # fmt: skip
        """Reads one definition's directives; whether they include ``@shareable``."""
        directives = list(directives)
        self._read_common(typedef, directives, location)
        shared = False
        for directive in directives:
            role = self.names.get(directive.name.value)
            args = _arguments(directive)
            if role == "key":
                typedef.keys.append(Key(_fieldset(args.get("fields", "")),
                                        bool(args.get("resolvable", True)), extension))  # fmt: skip
            elif role == "shareable":
                shared = True
            elif role == "interfaceObject":
                typedef.interface_object = True
            elif role == "context":
                typedef.contexts.append(str(args.get("name", "")))
            elif role == "extends":
                typedef.extends = True
            elif role == "external":
                typedef.marked_external = True
        return shared

    def _read_common(
        self, element: Element, directives: Iterable[DirectiveNode], location: str
    ) -> None:
        for directive in directives:
            role = self.names.get(directive.name.value)
            args = _arguments(directive)
            self._check_known(directive)
            if role in SPEC_OF and not self._carried(role, directive, location):
                continue
            if directive.name.value == "specifiedBy":
                element.specified_by = str(args.get("url"))
            if role == "inaccessible":
                element.inaccessible = True
            elif role == "tag":
                element.tags.append(str(args.get("name")))
            elif role == "authenticated":
                element.authenticated = True
            elif role == "requiresScopes":
                element.requires_scopes = _nested_strings(args.get("scopes"))
            elif role == "policy":
                element.policies = _nested_strings(args.get("policies"))
            elif role in ("cost", "listSize"):
                self._read_cost(element, role, directive)
            elif role is None and directive.name.value in self.subgraph.composed_directives:
                element.composed.append(directive)

    def _carried(self, role: str, directive: DirectiveNode, location: str) -> bool:
        """Whether ``directive``, which the supergraph carries, may be applied at ``location``;
        records the name this subgraph applies it by."""
        if location not in LOCATIONS[role]:
            self._error("INVALID_GRAPHQL", f'Directive "@{directive.name.value}" may not be '
                        f"used on {location}.", directive)  # fmt: skip
            return False
        self.subgraph.spec_names.setdefault(role, directive.name.value)
        return True

    def _read_cost(self, element: Element, role: str, directive: DirectiveNode) -> None:
        name, args = directive.name.value, _arguments(directive)
        try:
            if role == "cost":
                element.cost = read_cost(args, name)
            else:
                element.list_size = read_list_size(args, name)
        except CostArgumentError as error:
            self._error("INVALID_GRAPHQL", str(error), directive)

    def _field(self, typedef: TypeDef, node: FieldDefinitionNode) -> FieldDef:
        result = FieldDef(name=node.name.value, type=node.type)
        self._place(result, node)
        self._read_common(result, node.directives or (), "FIELD_DEFINITION")
        for directive in node.directives or ():
            role = self.names.get(directive.name.value)
            args = _arguments(directive)
            if role == "external":
                result.marked_external = result.external = True
            elif role == "shareable":
                result.marked_shareable = True
            elif role == "requires":
                result.requires = _fieldset(args.get("fields", ""))
            elif role == "provides":
                result.provides = _fieldset(args.get("fields", ""))
            elif role == "override":
                result.override_from = str(args.get("from"))
                label = args.get("label")
                result.override_label = None if label is None else str(label)
        for argument in node.arguments or ():
            result.arguments[argument.name.value] = self._argument(argument)
        return result

    def _argument(self, node: InputValueDefinitionNode) -> ArgumentDef:
        result = ArgumentDef(name=node.name.value, type=node.type, default=_default(node))
        self._place(result, node)
        self._read_common(result, node.directives or (), "ARGUMENT_DEFINITION")
        for directive in node.directives or ():
            if self.names.get(directive.name.value) == "fromContext":
                result.from_context = str(_arguments(directive).get("field", ""))
        return result

    def _input_field(self, node: InputValueDefinitionNode) -> FieldDef:
        result = FieldDef(name=node.name.value, type=node.type, default=_default(node))
        self._place(result, node)
        self._read_common(result, node.directives or (), "INPUT_FIELD_DEFINITION")
        return result

    def _check_known(self, directive: DirectiveNode) -> None:
        name = directive.name.value
        if (name in self.names or name in BUILT_IN_DIRECTIVES
                or name in self.subgraph.directive_definitions):  # fmt: skip
            return
        self._error("INVALID_GRAPHQL", f'Unknown directive "@{name}".', directive)

    def _error(self, code: str, message: str, node: Any) -> None:
        self.subgraph.errors.append(
            CompositionError(code, f"[{self.subgraph.name}] {message}", (self._location(node),))
        )

    def _check_default(self, node: InputValueDefinitionNode) -> None:
        """An enum default must be a value of the enum."""
        enum = self.subgraph.types.get(_named(node.type))
        if node.default_value is None or enum is None or enum.kind != "enum":
            return
        values = node.default_value.values if isinstance(node.default_value, ListValueNode) \
            else [node.default_value]  # fmt: skip
        for value in values:
            if isinstance(value, EnumValueNode) and value.value not in enum.values:
                message = (f'Invalid default value (got: "{value.value}") provided for '
                           f'"{node.name.value}" of type {enum.name}.')  # fmt: skip
                self._error("INVALID_GRAPHQL", message, node)

    def _place(self, element: Element, node: Any) -> None:
        location = self._location(node)
        element.subgraph = self.subgraph.name
        element.line, element.column = location.line, location.column
        description = getattr(node, "description", None)
        element.description = description.value if description is not None else None

    def _location(self, node: Any) -> ErrorLocation:
        if node.loc is None:
            return ErrorLocation(self.subgraph.name)
        from graphql.language import get_location

        place = get_location(node.loc.source, node.loc.start)
        return ErrorLocation(self.subgraph.name, place.line, place.column)

    def _check_defaults(self) -> None:
        for definition in self.document.definitions:
            for node in getattr(definition, "fields", None) or ():
                if isinstance(node, InputValueDefinitionNode):
                    self._check_default(node)
                for argument in getattr(node, "arguments", None) or ():
                    self._check_default(argument)

    def _rename_roots(self) -> None:
        """Root types take their default names (Query, Mutation, Subscription)."""
        for operation, name in list(self.subgraph.roots.items()):
            default = ROOTS[operation]
            if name != default and name in self.subgraph.types:
                typedef = self.subgraph.types.pop(name)
                typedef.name = default
                self.subgraph.types[default] = typedef
        for operation, default in ROOTS.items():
            self.subgraph.roots[operation] = default


def _named(node: TypeNode) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type  # type: ignore[attr-defined]
    return node.name.value


def _default(node: InputValueDefinitionNode) -> str | None:
    return print_ast(node.default_value) if node.default_value is not None else None


def _nested_strings(value: Any) -> list[list[str]]:
    return [[str(item) for item in group] for group in value or []]


def _fieldset(value: Any) -> str:
    if isinstance(value, list):  # Federation 1 took a list of fields too
        value = " ".join(str(item) for item in value)
    return " ".join(str(value).split())
