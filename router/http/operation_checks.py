"""What an operation passes before it executes, in the pipeline's order (persisted document,
variables, parse and validate, method, variables' coercion, demand control), and its
execution into a response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import OperationDefinitionNode, OperationType
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.responses import Response

from observability.asgi import log_unexpected
from observability.context import note_operation
from router.auth.directives import Viewer
from router.execution.cache_policy import NO_STORE
from router.execution.prepare import PreparedOperation
from router.execution.service import RouterService
from router.http.config import DemandControlSettings, RouterConfig
from router.http.graphql_request import GraphQLRequest
from router.http.responses import (
    ORJSONResponse,
    error_object,
    error_response,
    errors_response,
    graphql_errors,
    note_error_codes,
    request_error,
    response_type,
)
from router.operation.cost import CostError
from router.operation.errors import OperationRefusedError, Violation
from router.operation.persisted import PersistedDocumentError, PersistedDocuments
from router.operation.suggestions import without_suggestions
from router.operation.variables import VariablesLimits, check_variables
from router.telemetry.metrics import OPERATION_COST, REFUSED_OPERATIONS
from router.types import JSONObject, RouterError


def refusal(request: Request, code: str, message: str) -> Response:
    """A request refused before planning: 400 with its code, counted by code."""
    REFUSED_OPERATIONS.labels(code).inc()
    return request_error(request, [error_object(message, code)], 400)


def estimate(
    request: Request,
    service: RouterService,
    prepared: PreparedOperation,
    variables: dict[str, Any],
    demand: DemandControlSettings,
) -> int | Response:
    """The operation's estimated cost, or the refusal when it is past ``max_cost``."""
    if not demand.enabled:
        return 0
    try:
        estimated = service.estimate_cost(prepared, variables)
    except CostError as error:
        return refusal(request, error.code, error.message)
    OPERATION_COST.labels("estimated").observe(estimated)
    if demand.mode == "enforce" and demand.max_cost and estimated > demand.max_cost:
        violation = Violation("COST_ESTIMATED_TOO_EXPENSIVE", demand.max_cost, estimated)
        return refusal(request, violation.code, violation.message)
    return estimated


@dataclass(frozen=True)
class OperationChecks:
    """Everything an operation passes before it executes, in the pipeline's order."""

    request: Request
    service: RouterService
    config: RouterConfig
    viewer: Viewer
    variables: VariablesLimits
    documents: PersistedDocuments

    async def prepare(self, gql: GraphQLRequest) -> Execution | Response:
        """The operation, checked and ready to execute; or the response that refuses it."""
        request, service, config = self.request, self.service, self.config
        try:
            resolved = await self.documents.resolve(gql.query, gql.extensions, gql.document_id)
        except PersistedDocumentError as error:
            return request_error(request, [error_object(error.message, error.code)], error.status)
        violation = check_variables(gql.variables, self.variables)
        if violation is not None:
            return refusal(request, violation.code, violation.message)
        try:
            prepared = await service.prepare(resolved.query, gql.operation_name)
        except OperationRefusedError as error:
            return refusal(request, error.code, error.message)
        if prepared.errors:
            assert prepared.error_code is not None
            errors = graphql_errors(prepared.errors, prepared.error_code)
            return request_error(request, errors, 400)
        operation = prepared.operation
        schema = service.supergraph.api_schema
        assert operation is not None
        note_operation(operation.operation.value, operation.name.value if operation.name else None)
        if request.method == "GET" and operation.operation != OperationType.QUERY:
            response = error_response(
                405, "mutations and subscriptions must be sent with POST", "METHOD_NOT_ALLOWED",
                request,
            )  # fmt: skip
            response.headers["allow"] = "POST"
            return response
        if operation.operation == OperationType.SUBSCRIPTION and not _may_stream(request, config):
            refused = error_object(
                "a subscription needs a WebSocket (graphql-transport-ws) or Server-Sent Events "
                "(Accept: text/event-stream)"
                if config.subscriptions.enabled
                else "subscriptions are not enabled",
                "SUBSCRIPTIONS_UNSUPPORTED",
            )
            return request_error(request, [refused], 400)
        coerced = coerce_variables(schema, operation, gql.variables, hide=not config.introspection)
        if isinstance(coerced, list):
            return request_error(request, coerced, 400)
        demand = config.demand_control
        estimated = estimate(request, service, prepared, coerced, demand)
        if isinstance(estimated, Response):
            return estimated
        if resolved.register is not None:
            await self.documents.register(resolved.register, resolved.query)
        headers = {
            name: request.headers[name]
            for name in config.propagate_headers
            if name in request.headers
        }
        return Execution(
            service,
            prepared,
            coerced,
            headers,
            self.viewer,
            demand,
            estimated,
            demand.enabled and (demand.include_in_response or gql.extensions.get("cost") is True),
            response_type(request),
            resolved.query,
            authenticated=self.viewer.authenticated or "authorization" in request.headers,
        )


@dataclass(frozen=True)
class Rendered:
    """A response as bytes, status and headers: what identical queries in flight share."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, response: Response) -> Rendered:
        return cls(response.status_code, bytes(response.body), tuple(response.raw_headers))

    def response(self) -> Response:
        # A fresh header list per requester: middleware (CORS) adds to it in place.
        response = Response(self.body, status_code=self.status)
        response.raw_headers = list(self.headers)
        return response


@dataclass(frozen=True)
class Execution:
    """An operation that passed every check, to execute and serialize (alone or shared)."""

    service: RouterService
    prepared: PreparedOperation
    variables: dict[str, Any]
    headers: dict[str, str]
    viewer: Viewer
    demand: DemandControlSettings
    estimated: int
    with_cost: bool
    media_type: str
    query: str
    """The document it runs (sent, persisted or trusted)."""
    authenticated: bool = False
    """The request carries a token: its response is private to whoever sent it."""

    @property
    def is_subscription(self) -> bool:
        operation = self.prepared.operation
        return operation is not None and operation.operation == OperationType.SUBSCRIPTION

    @property
    def is_mutation(self) -> bool:
        operation = self.prepared.operation
        return operation is not None and operation.operation == OperationType.MUTATION

    async def shared(self) -> Rendered:
        return Rendered.of(await self.respond())

    async def respond(self) -> Response:
        service, prepared = self.service, self.prepared
        try:
            result = await service.execute(
                prepared, self.variables, self.headers, self.viewer, with_cost=self.demand.enabled
            )
        except RouterError as error:
            errors = [error_object(error.message, error.code)]
            return errors_response(self.media_type, errors, 500)
        except Exception as unexpected:
            error_id = log_unexpected(unexpected, "the router's execution of an operation")
            errors = [error_object(f"internal router error (error id {error_id})",
                             "INTERNAL_SERVER_ERROR")]  # fmt: skip
            errors[0]["extensions"]["errorId"] = error_id
            return errors_response(self.media_type, errors, 500)
        if self.demand.enabled:
            actual = service.actual_cost(prepared, result)
            OPERATION_COST.labels("actual").observe(actual)
            if self.with_cost:
                result.extensions["cost"] = {
                    "estimated": self.estimated,
                    "actual": actual,
                    "max": self.demand.max_cost,
                }
        if result.errors:
            note_error_codes(result.errors)
        response = ORJSONResponse(result.to_json(), media_type=self.media_type)
        policy = service.cache_policy(prepared)
        cache_control = policy.header(authenticated=self.authenticated)
        response.headers["cache-control"] = NO_STORE if result.errors else cache_control
        return response


def coerce_variables(
    schema: Any, operation: OperationDefinitionNode, raw: dict[str, Any], *, hide: bool
) -> dict[str, Any] | list[JSONObject]:
    coerced = get_variable_values(schema, operation.variable_definitions or (), raw)
    if isinstance(coerced, list):
        errors = graphql_errors(coerced, "BAD_USER_INPUT")
        if hide:
            for error in errors:
                error["message"] = without_suggestions(error["message"])
        return errors
    return coerced


def _may_stream(request: Request, config: RouterConfig) -> bool:
    """Whether the request's transport can carry a subscription: a WebSocket, or an
    event-stream POST."""
    if not config.subscriptions.enabled:
        return False
    if request.scope.get("state", {}).get("subscription_transport"):
        return True
    accept = request.headers.get("accept", "").lower()
    return request.method == "POST" and "text/event-stream" in accept
