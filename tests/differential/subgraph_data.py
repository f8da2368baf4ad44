"""Deterministic data for a generic subgraph: every value a pure function of where it is.

An object is a :class:`Node`: an entity is identified by a token (a small integer that every
key field of the entity encodes, so that any subgraph can read it back from a
representation), any other object by the path from its nearest entity (or root) ancestor. A
field's value is a hash of ``(seed, identity, field, arguments, required fields)``, so a
``@shareable`` field has the same value in every subgraph that resolves it and a
``@requires`` field changes if the required values that reach it change. Some nullable fields
are null, some fields raise an error, and some entities are missing from some subgraphs, all
by the same hashes.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from tests.differential.world import World

TOKENS = 1_000_000
LIST_LENGTHS = (2, 3, 1, 0, 2, 3, 1, 2)
LIMIT_ARGUMENTS = ("first", "last", "limit", "size", "count", "take", "top")


@dataclass(frozen=True)
class Rates:
    """One in N: nullable fields that are null, fields that fail, entities a subgraph lacks."""

    null: int = 9
    error: int = 41
    missing: int = 23


@dataclass(frozen=True)
class Node:
    typename: str
    """The object type in this subgraph."""
    identity: tuple[Any, ...]
    token: int | None = None
    in_key: bool = False
    """Inside an entity's key: never null, never failing."""
    representation: dict[str, Any] | None = None


class Root:
    """The root value: what ``Query`` (or ``Mutation``) fields hang from."""


ROOT = Root()


class SubgraphData:
    """Resolvers of one subgraph: ``resolve_field`` and ``resolve_type`` for graphql-core."""

    def __init__(
        self, name: str, sdl: str, schema: GraphQLSchema, world: World, seed: int, rates: Rates
    ) -> None:
        self.name = name
        self.sdl = sdl
        self.schema = schema
        self.world = world
        self.key = seed.to_bytes(8, "big", signed=True)
        self.rates = rates

    def hash(self, *parts: Any) -> int:
        text = json.dumps(_canonical(parts), sort_keys=True, separators=(",", ":"), default=repr)
        digest = hashlib.blake2b(text.encode(), digest_size=8, key=self.key).digest()
        return int.from_bytes(digest, "big")

    def resolve_type(self, value: Any, _info: GraphQLResolveInfo, _type: Any) -> str:
        assert isinstance(value, Node)
        return value.typename

    def resolve_field(self, source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        field = info.field_name
        if isinstance(source, dict):
            return source[field]
        if source is ROOT:
            if field == "_service":
                return {"sdl": self.sdl}
            if field == "_entities":
                return [self.entity(r) for r in arguments["representations"]]
            source = Node(info.parent_type.name, (info.operation.operation.value,))
        assert isinstance(source, Node)
        key_field = source.in_key or (
            source.token is not None and field in self.world.key_fields(source.typename)
        )
        required = self.required_values(source, field)
        base = (source.identity, field, arguments, required)
        if not key_field and self.hash(base, "error") % self.rates.error == 0:
            raise GraphQLError(f"{self.name}: {source.typename}.{field} failed")
        return self.value(info.return_type, base, source, arguments, key_field)

    def value(
        self,
        graphql_type: GraphQLOutputType,
        base: tuple[Any, ...],
        parent: Node,
        arguments: dict[str, Any],
        key_field: bool,
    ) -> Any:
        if isinstance(graphql_type, GraphQLNonNull):
            inner = graphql_type.of_type
        else:
            inner = graphql_type
            if not key_field and self.hash(base, "null") % self.rates.null == 0:
                return None
        if isinstance(inner, GraphQLList):
            length = _list_length(self.hash(base, "length"), arguments)
            return [
                self.value(inner.of_type, (*base, index), parent, arguments, key_field)
                for index in range(length)
            ]
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            if key_field and parent.token is not None:
                return _encode_token(inner, self.world.family(parent.typename), parent.token)
            return self.leaf(inner, base)
        return self.object(inner, base, key_field)

    def leaf(self, graphql_type: GraphQLScalarType | GraphQLEnumType, base: Any) -> Any:
        number = self.hash(base, "leaf")
        if isinstance(graphql_type, GraphQLEnumType):
            names = sorted(graphql_type.values)
            return names[number % len(names)]
        name = graphql_type.name
        if name == "Int":
            return number % 1000
        if name == "Float":
            return (number % 4000) / 4
        if name == "Boolean":
            return number % 2 == 1
        return f"{base[1]}-{number % 1000}"

    def object(self, graphql_type: Any, base: tuple[Any, ...], in_key: bool) -> Node:
        if isinstance(graphql_type, GraphQLInterfaceType | GraphQLUnionType):
            possible = sorted(t.name for t in self.schema.get_possible_types(graphql_type))
            typename = possible[self.hash(base, "type") % len(possible)]
        else:
            typename = graphql_type.name
        if not self.world.is_entity(typename):
            return Node(typename, base, in_key=in_key)
        token = self.entity_token(typename, self.hash(base, "token") % TOKENS)
        return Node(typename, ("entity", self.world.family(typename), token), token, in_key)

    def entity_token(self, typename: str, token: int) -> int:
        """The first token from ``token`` on that names ``typename`` among the implementations
        of each of its entity interfaces (a representation typed by the interface names only
        the token)."""
        constraints = [
            (len(names), names.index(typename))
            for names in map(self.world.implementations, self.world.entity_interfaces_of(typename))
        ]
        while not all(token % size == index for size, index in constraints):
            token += 1
        return token

    def entity(self, representation: dict[str, Any]) -> Node | None:
        typename = str(representation["__typename"])
        keys = self.world.subgraph_keys.get((self.name, typename), [])
        if keys and not any(_holds(representation, _selection_set(k)) for k in keys):
            raise GraphQLError(f"{self.name}: the representation holds no key of {typename}")
        token = self.decode_token(typename, representation)
        graphql_type = self.schema.type_map.get(typename)
        if isinstance(graphql_type, GraphQLInterfaceType):
            names = self.world.implementations(typename)
            typename = names[token % len(names)]
        elif not isinstance(graphql_type, GraphQLObjectType):
            raise GraphQLError(f"{self.name} has no entity type {typename}")
        family = self.world.family(typename)
        if self.hash(self.name, family, token, "missing") % self.rates.missing == 0:
            return None
        return Node(typename, ("entity", family, token), token, representation=representation)

    def decode_token(self, typename: str, representation: dict[str, Any]) -> int:
        for name in sorted(self.world.key_fields(typename)):
            value = representation.get(name)
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and value.rpartition(":")[2].isdigit():
                return int(value.rpartition(":")[2])
        return self.hash(typename, representation) % TOKENS

    def required_values(self, source: Node, field: str) -> Any:
        """The required fields' values the representation brought, or None without
        ``@requires``; a missing one fails the field (the router did not send it)."""
        field_set = self.world.requires.get((self.name, source.typename, field))
        if field_set is None and source.typename in self.world.interface_objects:
            return None
        if field_set is None:
            for interface in self.world.entity_interfaces_of(source.typename):
                field_set = self.world.requires.get((self.name, interface, field))
        if field_set is None:
            return None
        return _select(source.representation or {}, _selection_set(field_set), field)


@functools.cache
def _selection_set(field_set: str) -> SelectionSetNode:
    operation = parse("{" + field_set + "}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def _holds(value: Any, selection_set: SelectionSetNode) -> bool:
    """Whether ``value`` (a representation or part of one) has every field of a key."""
    if isinstance(value, list):
        return all(_holds(item, selection_set) for item in value)
    if not isinstance(value, dict):
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == "__typename":
                continue
            if selection.name.value not in value:
                return False
            inner = value[selection.name.value]
            if selection.selection_set is not None and not _holds(inner, selection.selection_set):
                return False
    return True


def _canonical(value: Any) -> Any:
    """Integral floats as integers: JavaScript prints ``182.0`` as ``182``, and a value must
    hash the same whichever gateway carried it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    return value


def _select(value: Any, selection_set: SelectionSetNode, field: str) -> Any:
    if isinstance(value, list):
        return [_select(item, selection_set, field) for item in value]
    if not isinstance(value, dict):
        return value
    chosen: dict[str, Any] = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            if name not in value:
                raise GraphQLError(f"the representation lacks {name}, required by {field}")
            inner = value[name]
            chosen[name] = (
                _select(inner, selection.selection_set, field) if selection.selection_set else inner
            )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or value.get("__typename") in (None, condition.name.value):
                chosen.update(_select(value, selection.selection_set, field))
    return chosen


def _list_length(number: int, arguments: dict[str, Any]) -> int:
    length = LIST_LENGTHS[number % len(LIST_LENGTHS)]
    for name in LIMIT_ARGUMENTS:
        limit = arguments.get(name)
        if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
            length = min(length, limit)
    return length


def _encode_token(
    graphql_type: GraphQLScalarType | GraphQLEnumType, family: str, token: int
) -> Any:
    if isinstance(graphql_type, GraphQLEnumType):
        names = sorted(graphql_type.values)
        return names[token % len(names)]
    if graphql_type.name == "Int":
        return token
    if graphql_type.name == "Float":
        return float(token)
    if graphql_type.name == "Boolean":
        return token % 2 == 1
    return f"{family}:{token}"
