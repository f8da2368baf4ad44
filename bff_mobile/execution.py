"""An app operation against the mobile schema: parsed and validated once per document,
then executed with the request's variables and context."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from bff_mobile.errors import InvalidDocumentError, MobileError, format_error


@dataclass(frozen=True)
class PreparedOperation:
    document: DocumentNode
    operation: OperationDefinitionNode

    @property
    def is_query(self) -> bool:
        return self.operation.operation == OperationType.QUERY

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


MAX_TOKENS = 5_000
"""Documents (development mode only) are bounded: the app's own operations have a few hundred."""


def prepare(
    schema: GraphQLSchema, text: str, operation_name: str | None = None
) -> PreparedOperation:
    """Parse and validate ``text``; raises ``MobileError`` with the first problem found."""
    try:
        document = parse(text, max_lexical_tokens=MAX_TOKENS, max_comments=MAX_TOKENS)
    except GraphQLSyntaxError as error:
        raise InvalidDocumentError([error], "GRAPHQL_PARSE_FAILED") from error
    errors = validate(schema, document)
    if errors:
        raise InvalidDocumentError(errors, "GRAPHQL_VALIDATION_FAILED")
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        wanted = (
            f"no operation named {operation_name!r}"
            if operation_name
            else ("several operations: name one with operationName")
        )
        raise MobileError(f"the document has {wanted}", "BAD_REQUEST")
    if operation.operation == OperationType.SUBSCRIPTION:
        raise MobileError("subscriptions are not supported", "BAD_REQUEST")
    return PreparedOperation(document, operation)


async def run(
    schema: GraphQLSchema, prepared: PreparedOperation, variables: dict[str, Any], context: Any
) -> dict[str, Any]:
    """The response body; variables that do not fit raise ``MobileError`` (``BAD_USER_INPUT``)."""
    coerced = get_variable_values(schema, prepared.operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        raise InvalidDocumentError(coerced, "BAD_USER_INPUT")
    result = execute(
        schema,
        prepared.document,
        context_value=context,
        variable_values=variables,
        operation_name=prepared.name,
    )
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, ExecutionResult)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [format_error(error) for error in result.errors]
    body["data"] = result.data
    return body
