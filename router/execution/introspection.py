"""Introspection (``__schema``, ``__type``) is answered by the router from the API schema."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    OperationDefinitionNode,
    execute,
)
from graphql import GraphQLSchema as Schema

from router.types import JSONObject

INTROSPECTION_FIELDS = ("__schema", "__type")


def introspection_fields(operation: OperationDefinitionNode) -> list[FieldNode]:
    return [
        s
        for s in operation.selection_set.selections
        if isinstance(s, FieldNode) and s.name.value in INTROSPECTION_FIELDS
    ]


def execute_introspection(
    schema: Schema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> tuple[JSONObject, list[JSONObject]]:
    """Run only the operation's root introspection fields; return their data and errors."""
    only = copy.copy(operation)
    only.selection_set = copy.copy(operation.selection_set)
    only.selection_set.selections = tuple(introspection_fields(operation))
    definitions = tuple(only if d is operation else d for d in document.definitions)
    result = execute(
        schema,
        DocumentNode(definitions=definitions),
        variable_values=dict(variables),
        operation_name=operation.name.value if operation.name else None,
    )
    assert isinstance(result, ExecutionResult), "introspection resolves synchronously"
    errors = [e.formatted for e in result.errors or ()]
    return dict(result.data or {}), [dict(e) for e in errors]
