"""Random argument values for an input type, as GraphQL literals and as JSON variables."""

from __future__ import annotations

import json
import random
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
)

_SAMPLES: dict[str, tuple[Any, ...]] = {
    "Int": (0, 1, 2, 3, 5, 42),
    "Float": (0.5, 1.0, 2.25, 10.0),
    "String": ("a", "USD", "EUR", "b c", ""),
    "ID": ("1", "2", "p-1", "x"),
    "Boolean": (True, False),
}
_CUSTOM_SCALAR_SAMPLES = ("2024-01-02", "abc", "1")
MAX_INPUT_DEPTH = 3


def random_value(rng: random.Random, graphql_type: GraphQLInputType, depth: int = 0) -> Any:
    """A value of ``graphql_type`` as JSON (what a variable holds); enum values by name."""
    if isinstance(graphql_type, GraphQLNonNull):
        return _non_null_value(rng, graphql_type.of_type, depth)
    if rng.random() < 0.1:
        return None
    return _non_null_value(rng, graphql_type, depth)


def _non_null_value(rng: random.Random, graphql_type: Any, depth: int) -> Any:
    if isinstance(graphql_type, GraphQLList):
        size = 0 if depth >= MAX_INPUT_DEPTH else rng.randint(0, 2)
        return [random_value(rng, graphql_type.of_type, depth + 1) for _ in range(size)]
    if isinstance(graphql_type, GraphQLEnumType):
        return rng.choice(sorted(graphql_type.values))
    if isinstance(graphql_type, GraphQLScalarType):
        return rng.choice(_SAMPLES.get(graphql_type.name, _CUSTOM_SCALAR_SAMPLES))
    assert isinstance(graphql_type, GraphQLInputObjectType)
    value: dict[str, Any] = {}
    for name, field in sorted(graphql_type.fields.items()):
        required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        if required or (depth < MAX_INPUT_DEPTH and rng.random() < 0.5):
            value[name] = random_value(rng, field.type, depth + 1)
    return value


def literal(value: Any, graphql_type: GraphQLInputType) -> str:
    """``value`` (as :func:`random_value` makes it) printed as a GraphQL literal."""
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    if value is None:
        return "null"
    if isinstance(graphql_type, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return "[" + ", ".join(literal(item, graphql_type.of_type) for item in items) + "]"
    if isinstance(graphql_type, GraphQLEnumType):
        return str(value)
    if isinstance(graphql_type, GraphQLInputObjectType):
        fields = graphql_type.fields
        inner = ", ".join(f"{k}: {literal(v, fields[k].type)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value))
