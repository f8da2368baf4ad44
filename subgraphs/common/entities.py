"""Representations checked before a subgraph resolves ``_entities``, whatever its framework.

A representation is what the router knows of an entity: an object with ``__typename``, the
fields of one of the type's ``@key``s and those its fields ``@requires``. One that is not (not
an object, an unknown type, a missing key field, a key of the wrong type, fields nobody asked
for) gets a ``BAD_USER_INPUT`` error that says what is wrong, at its place in the list; the
representations that hold up in the same call are resolved as usual. Key values are coerced as
GraphQL coerces arguments (an integer ID becomes a string), so resolvers get what they declare.

:func:`guard_entities` wraps the ``_entities`` resolver of a graphql-core schema, which both
strawberry (``schema._schema``) and ariadne build, with the shapes read from the subgraph's SDL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    parse,
)
from graphql.language import ConstDirectiveNode

from subgraphs.common.errors import client_error

KEY_DIRECTIVES = {"key", "federation__key"}
REQUIRES_DIRECTIVES = {"requires", "federation__requires"}
MAX_NAMES_SHOWN = 5
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class EntityShape:
    """What a representation of one entity type may hold."""

    type: GraphQLObjectType
    keys: tuple[tuple[str, SelectionSetNode], ...]
    """Each ``@key`` as written in the SDL, and its fields parsed."""
    allowed: frozenset[str]
    """``__typename``, every key's top-level fields, and the fields ``@requires`` names."""


class BadRepresentationError(Exception):
    """A representation does not fit its type; the message says how."""


def entity_shapes(document: DocumentNode, schema: GraphQLSchema) -> dict[str, EntityShape]:
    """Every type with a ``@key`` in the subgraph's SDL, with the schema's types of its fields."""
    keys: dict[str, list[tuple[str, SelectionSetNode]]] = {}
    required: dict[str, set[str]] = {}
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        name = definition.name.value
        for fields in _directive_fields(definition.directives, KEY_DIRECTIVES):
            keys.setdefault(name, []).append((fields, _selection(fields)))
        for field in definition.fields or ():
            for fields in _directive_fields(field.directives, REQUIRES_DIRECTIVES):
                required.setdefault(name, set()).update(_names(_selection(fields)))
    shapes = {}
    for name, type_keys in keys.items():
        type_ = schema.type_map.get(name)
        if not isinstance(type_, GraphQLObjectType):
            continue
        allowed = {"__typename", *required.get(name, ())}
        for _, selection in type_keys:
            allowed.update(_names(selection))
        shapes[name] = EntityShape(type_, tuple(type_keys), frozenset(allowed))
    return shapes


class RepresentationChecker:
    def __init__(self, shapes: Mapping[str, EntityShape]) -> None:
        self.shapes = shapes

    def check(self, index: int, representation: Any) -> dict[str, Any] | GraphQLError:
        """The representation with its key values coerced, or the error to answer instead."""
        try:
            return self._checked(index, representation)
        except BadRepresentationError as problem:
            return client_error(str(problem), "BAD_USER_INPUT")

    def _checked(self, index: int, representation: Any) -> dict[str, Any]:
        if not isinstance(representation, dict):
            raise BadRepresentationError(f"representation {index} is not an object")
        typename = representation.get("__typename")
        if typename is None:
            raise BadRepresentationError(f'representation {index} has no "__typename"')
        if not isinstance(typename, str):
            raise BadRepresentationError(f'representation {index} has a "__typename" that is '
                                        "not a string")  # fmt: skip
        shape = self.shapes.get(typename)
        if shape is None:
            raise BadRepresentationError(f"representation {index} names {_quoted([typename])}, "
                                        "which is not an entity type of this subgraph")  # fmt: skip
        where = f"representation {index} of {typename}"
        extra = sorted(set(representation) - shape.allowed)
        if extra:
            plural = "s" if len(extra) > 1 else ""
            raise BadRepresentationError(f"{where} has unexpected field{plural} {_quoted(extra)}")
        checked = dict(representation)
        missing: list[str] = []
        for _, selection in shape.keys:
            try:
                checked.update(_coerced(representation, selection, shape.type, where, ""))
            except _MissingKeyFieldError as absent:
                missing.append(str(absent))
        if len(missing) == len(shape.keys):
            if len(shape.keys) == 1:
                raise BadRepresentationError(f'{where} has no key field "{missing[0]}"')
            keys = " or ".join(f'"{fields}"' for fields, _ in shape.keys)
            raise BadRepresentationError(f"{where} has no complete key: {keys}")
        return checked


class _MissingKeyFieldError(Exception):
    """A key lacks the field the message names (another key may still be complete)."""


def _coerced(value: Mapping[str, Any], selection: SelectionSetNode, type_: GraphQLObjectType,
             where: str, prefix: str) -> dict[str, Any]:  # fmt: skip
    """The values of ``selection``'s fields in ``value``, coerced to their types."""
    coerced: dict[str, Any] = {}
    for node in selection.selections:
        if not isinstance(node, FieldNode):
            continue
        name, path = node.name.value, prefix + node.name.value
        if name not in value:
            raise _MissingKeyFieldError(path)
        field = type_.fields.get(name)
        if field is None:  # a key naming a field the type lacks: the SDL is not ours to check
            coerced[name] = value[name]
            continue
        coerced[name] = _value(value[name], field.type, node, where, path)
    return coerced


def _value(value: Any, type_: GraphQLOutputType, node: FieldNode, where: str, path: str) -> Any:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None:
        raise BadRepresentationError(f'{where} has key field "{path}" set to null')
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            raise BadRepresentationError(f'{where} has key field "{path}" that is not a list')
        return [_value(item, type_.of_type, node, where, path) for item in value]
    if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
        try:
            return type_.parse_value(value)
        except (GraphQLError, TypeError, ValueError) as error:
            raise BadRepresentationError(f'{where} has key field "{path}" of the wrong type: '
                                        f"{_short(str(error))}") from error  # fmt: skip
    if isinstance(type_, GraphQLObjectType) and node.selection_set is not None:
        if not isinstance(value, dict):
            raise BadRepresentationError(f'{where} has key field "{path}" that is not an object')
        return _coerced(value, node.selection_set, type_, where, f"{path}.")
    return value


def guard_entities(schema: GraphQLSchema, sdl: str) -> None:
    """Check every representation before the schema's ``_entities`` resolver sees it."""
    field = schema.query_type.fields.get("_entities") if schema.query_type else None
    if field is None or field.resolve is None:
        return
    checker = RepresentationChecker(entity_shapes(parse(sdl), schema))
    resolve = field.resolve

    def resolve_checked(source: Any, info: Any, **arguments: Any) -> Any:
        given = arguments.get("representations") or []
        checked = [checker.check(index, value) for index, value in enumerate(given)]
        valid = [value for value in checked if not isinstance(value, GraphQLError)]
        resolved = resolve(source, info, **{**arguments, "representations": valid})
        if isawaitable(resolved):
            return _merged_later(checked, resolved)
        return list(_merged(checked, resolved))

    field.resolve = resolve_checked


def _merged(checked: list[Any], resolved: Iterable[Any]) -> Iterator[Any]:
    """The resolved entities in the places of the valid representations, errors elsewhere."""
    results = iter(resolved)
    for value in checked:
        yield value if isinstance(value, GraphQLError) else next(results)


async def _merged_later(checked: list[Any], resolved: Awaitable[Iterable[Any]]) -> list[Any]:
    return list(_merged(checked, await resolved))


def _directive_fields(directives: Iterable[ConstDirectiveNode] | None,
                      names: set[str]) -> Iterator[str]:  # fmt: skip
    for directive in directives or ():
        if directive.name.value not in names:
            continue
        for argument in directive.arguments or ():
            if argument.name.value == "fields" and isinstance(argument.value, StringValueNode):
                yield argument.value.value


def _selection(fields: str) -> SelectionSetNode:
    [operation] = parse(f"{{ {fields} }}").definitions
    if not isinstance(operation, OperationDefinitionNode):  # pragma: no cover - "{ … }" is one
        raise ValueError(f"not a field set: {fields!r}")
    return operation.selection_set


def _names(selection: SelectionSetNode) -> set[str]:
    return {node.name.value for node in selection.selections if isinstance(node, FieldNode)}


def _quoted(names: list[str]) -> str:
    shown = ", ".join(f'"{_short(name)}"' for name in names[:MAX_NAMES_SHOWN])
    more = len(names) - MAX_NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME_LENGTH else text[:MAX_NAME_LENGTH] + "…"
