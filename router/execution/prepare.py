"""Preparing a request's document once: parse, validate, pick the operation, normalize.

Clients send the same few operations over and over, so the result (including the errors of a
bad document) is kept in a bounded LRU keyed by the query text and operation name.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    get_operation_ast,
    parse,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule, specified_rules

from router.execution.introspection import introspection_fields
from router.planning.normalize import normalize_operation
from router.planning.operation import Operation


@dataclass(frozen=True)
class PreparedOperation:
    source: str
    operation_name: str | None
    document: DocumentNode | None = None
    operation: OperationDefinitionNode | None = None
    normalized: Operation | None = None
    errors: list[GraphQLError] = field(default_factory=list)
    error_code: str | None = None
    """``GRAPHQL_PARSE_FAILED`` or ``GRAPHQL_VALIDATION_FAILED`` when ``errors`` is set."""
    introspection: bool = False
    """The operation asks for ``__schema`` or ``__type`` at its root."""


class OperationCache:
    def __init__(self, schema: GraphQLSchema, *, introspection: bool, max_size: int = 1000) -> None:
        self.schema = schema
        self.rules = list(specified_rules)
        if not introspection:
            self.rules.append(NoSchemaIntrospectionCustomRule)
        self.max_size = max_size
        self._entries: OrderedDict[tuple[str, str | None], PreparedOperation] = OrderedDict()
        self._lock = Lock()

    def prepare(self, source: str, operation_name: str | None) -> PreparedOperation:
        key = (source, operation_name)
        with self._lock:
            prepared = self._entries.get(key)
            if prepared is not None:
                self._entries.move_to_end(key)
                return prepared
        prepared = self._prepare(source, operation_name)
        with self._lock:
            self._entries[key] = prepared
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)
        return prepared

    def _prepare(self, source: str, operation_name: str | None) -> PreparedOperation:
        try:
            document = parse(source)
        except GraphQLSyntaxError as error:
            return PreparedOperation(source, operation_name, errors=[error],
                                     error_code="GRAPHQL_PARSE_FAILED")  # fmt: skip
        errors = validate(self.schema, document, self.rules)
        if errors:
            return PreparedOperation(source, operation_name, document, errors=errors,
                                     error_code="GRAPHQL_VALIDATION_FAILED")  # fmt: skip
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f'Unknown operation named "{operation_name}".'
                if operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            return PreparedOperation(source, operation_name, document,
                                     errors=[GraphQLError(message)],
                                     error_code="GRAPHQL_VALIDATION_FAILED")  # fmt: skip
        return PreparedOperation(
            source,
            operation_name,
            document,
            operation,
            normalize_operation(document, operation_name),
            introspection=bool(introspection_fields(operation)),
        )
