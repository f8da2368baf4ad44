"""The router's ASGI app: ``/graphql``, GraphiQL, ``/health`` and ``/health/ready``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType
from graphql.execution.values import get_variable_values
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from observability.asgi import log_unexpected
from observability.context import current_request, note_operation
from router.auth.directives import Viewer
from router.auth.settings import JwtSettings
from router.auth.viewer import load_policy_hook, viewer_of
from router.execution import HttpSubgraphClient
from router.execution.budget import PreparationWorkers
from router.execution.prepare import PreparedOperation
from router.execution.service import RouterService
from router.http.authentication import AuthenticationMiddleware
from router.http.config import DemandControlSettings, RouterConfig
from router.http.csrf import CsrfMiddleware, is_page_request
from router.http.graphiql import (
    ASSETS_PATH,
    graphiql_asset,
    graphiql_page,
    sign_in_callback_page,
)
from router.http.graphql_request import BadRequestError, GraphQLRequest, read_graphql_request
from router.http.inflight import InFlightRequests, request_key
from router.http.media_types import JSON, response_media_type
from router.http.process import tune_process
from router.http.rate_limit import RateLimitMiddleware, build_token_buckets
from router.http.reload import SupergraphHolder
from router.operation.cost import CostError
from router.operation.errors import OperationRefusedError, Violation
from router.operation.suggestions import without_suggestions
from router.operation.variables import VariablesLimits, check_variables
from router.supergraph import Supergraph
from router.telemetry.metrics import OPERATION_COST, REFUSED_OPERATIONS, exposition
from router.types import JSONObject, RouterError

if TYPE_CHECKING:
    from router.auth.jwt import JwtVerifier

log = logging.getLogger("shopgraph.router")

NOT_ACCEPTABLE = (
    "the Accept header allows neither application/graphql-response+json nor application/json"
)


class _ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def create_app(
    config: RouterConfig,
    *,
    supergraph_path: str | Path | None = None,
    supergraph: Supergraph | None = None,
) -> Starlette:
    """The router app over a supergraph file (hot-reloaded) or an already loaded supergraph."""
    defaults, subgraphs = config.subgraph_defaults, config.subgraphs.items()
    client = HttpSubgraphClient(
        timeout=defaults.timeout_seconds,
        timeouts={name: s.timeout_seconds for name, s in subgraphs},
        dedupe=config.dedupe_subgraph_requests,
        breaker=defaults.circuit_breaker.breaker(),
        breakers={name: s.circuit_breaker.breaker() for name, s in subgraphs},
        retry=defaults.retry.policy(),
        retries={name: s.retry.policy() for name, s in subgraphs},
        max_connections=defaults.max_connections,
        connections={name: s.max_connections for name, s in subgraphs},
        max_in_flight=defaults.max_in_flight,
        in_flight={name: s.max_in_flight for name, s in subgraphs},
    )
    limits = config.limits
    workers = PreparationWorkers(
        workers=limits.preparation_workers,
        cpu_budget_ms=limits.cpu_budget_ms,
        max_waiting=limits.max_preparing,
    )
    holder = SupergraphHolder(config, client, supergraph_path, supergraph, workers)
    hook = (
        load_policy_hook(config.authorization.policy_hook)
        if config.authorization.policy_hook
        else None
    )
    buckets = build_token_buckets(config.rate_limit) if config.rate_limit else None
    variables = config.limits.variables.limits()
    inflight = InFlightRequests[_Rendered]() if config.dedupe_inbound_requests else None

    async def graphql(request: Request) -> Response:
        if request.method == "GET" and is_page_request(request.scope):
            if config.playground:
                return graphiql_page(config)
            return _error_response(404, "the GraphiQL playground is disabled", "NOT_FOUND", request)
        if response_media_type(request.headers.get("accept")) is None:
            return _error_response(406, NOT_ACCEPTABLE, "NOT_ACCEPTABLE", request)
        service = holder.service
        if service is None:
            return _error_response(503, "no supergraph is loaded", "SUPERGRAPH_NOT_LOADED", request)
        claims = request.scope.get("state", {}).get("claims")
        viewer = viewer_of(
            claims,
            scope_claims=config.authorization.scope_claims,
            policies=service.policy_names,
            hook=hook,
        )
        return await _handle_graphql(request, service, config, viewer, variables, inflight)

    async def metrics(_: Request) -> Response:
        return Response(exposition(), media_type="text/plain; version=0.0.4")

    async def health(_: Request) -> Response:
        return _ORJSONResponse({"status": "UP"})

    async def ready(_: Request) -> Response:
        if holder.service is None:
            return _ORJSONResponse({"status": "DOWN", "reason": holder.last_error}, status_code=503)
        circuits = client.circuit_states()
        return _ORJSONResponse({"status": "UP", "supergraph": holder.digest, "circuits": circuits})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await holder.start()
        tune_process()
        try:
            yield
        finally:
            await holder.stop()
            await client.aclose()
            workers.shutdown()
            if buckets is not None:
                await buckets.aclose()

    middleware = []
    if config.cors.allow_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=config.cors.allow_origins,
                allow_credentials=config.cors.allow_credentials,
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "content-type",
                    "authorization",
                    "apollo-require-preflight",
                    "x-apollo-operation-name",
                ],
            )
        )
    if config.csrf.enabled:
        middleware.append(
            Middleware(
                CsrfMiddleware,
                paths=[config.graphql_path],
                required_headers=config.csrf.required_headers,
            )
        )
    if config.authentication is not None:
        settings = config.authentication
        middleware.append(
            Middleware(
                AuthenticationMiddleware,
                verifier=_jwt_verifier(settings.jwt),
                mode=settings.mode,
                paths=[config.graphql_path],
                header_name=settings.jwt.header_name,
                header_prefix=settings.jwt.header_prefix,
                allow_anonymous=lambda scope: config.playground and is_page_request(scope),
            )
        )
    if config.rate_limit is not None and buckets is not None:
        middleware.append(
            Middleware(
                RateLimitMiddleware,
                settings=config.rate_limit,
                buckets=buckets,
                paths={config.graphql_path},
            )
        )
    routes = [
        Route(config.graphql_path, graphql, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if config.playground:
        routes.append(Route(ASSETS_PATH + "/{name}", graphiql_asset, methods=["GET"]))
    sign_in = config.playground_sign_in
    if config.playground and sign_in is not None:

        async def sign_in_callback(_: Request) -> Response:
            return sign_in_callback_page(config.graphql_path, sign_in)

        routes.append(Route(sign_in.redirect_path, sign_in_callback, methods=["GET"]))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.supergraph = holder
    app.state.inflight = inflight
    return app


def _jwt_verifier(settings: JwtSettings) -> JwtVerifier:
    # Imported by a router that checks tokens only: joserfc and the JWKS client cost a process
    # about 15 MB.
    from router.auth.jwt import JwtVerifier

    return JwtVerifier(settings)


def _response_type(request: Request) -> str:
    # A client that accepts neither type still reads its 406 (or an earlier refusal) as JSON.
    return response_media_type(request.headers.get("accept")) or JSON


def _error_response(status: int, message: str, code: str, request: Request) -> Response:
    current_request().add_error_code(code)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return _ORJSONResponse(body, status_code=status, media_type=_response_type(request))


def _request_error(request: Request, errors: list[JSONObject], status: int) -> Response:
    return _errors_response(_response_type(request), errors, status)


def _errors_response(media_type: str, errors: list[JSONObject], status: int) -> Response:
    _note_error_codes(errors)
    # application/json clients get 200 for GraphQL errors, per GraphQL over HTTP.
    if media_type == JSON:
        status = 200
    return _ORJSONResponse({"errors": errors}, status_code=status, media_type=media_type)


def _note_error_codes(errors: list[JSONObject]) -> None:
    info = current_request()
    for error in errors[:8]:
        extensions = error.get("extensions")
        if isinstance(extensions, dict):
            info.add_error_code(extensions.get("code"))


def _error(message: str, code: str) -> JSONObject:
    return {"message": message, "extensions": {"code": code}}


def _graphql_errors(errors: list[GraphQLError], code: str) -> list[JSONObject]:
    formatted: list[JSONObject] = []
    for error in errors:
        item: JSONObject = dict(error.formatted)
        extensions = item.get("extensions")
        item["extensions"] = {**(extensions if isinstance(extensions, dict) else {}), "code": code}
        formatted.append(item)
    return formatted


def _refusal(request: Request, code: str, message: str) -> Response:
    """A request refused before planning: 400 with its code, counted by code."""
    REFUSED_OPERATIONS.labels(code).inc()
    return _request_error(request, [_error(message, code)], 400)


def _estimate(
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
        return _refusal(request, error.code, error.message)
    OPERATION_COST.labels("estimated").observe(estimated)
    if demand.mode == "enforce" and demand.max_cost and estimated > demand.max_cost:
        violation = Violation("COST_ESTIMATED_TOO_EXPENSIVE", demand.max_cost, estimated)
        return _refusal(request, violation.code, violation.message)
    return estimated


async def _handle_graphql(
    request: Request,
    service: RouterService,
    config: RouterConfig,
    viewer: Viewer,
    variables: VariablesLimits,
    inflight: InFlightRequests[_Rendered] | None,
) -> Response:
    try:
        gql = await read_graphql_request(request, config.max_request_bytes)
    except BadRequestError as error:
        return _error_response(error.status, error.message, error.code, request)
    violation = check_variables(gql.variables, variables)
    if violation is not None:
        return _refusal(request, violation.code, violation.message)
    try:
        prepared = await service.prepare(gql.query, gql.operation_name)
    except OperationRefusedError as error:
        return _refusal(request, error.code, error.message)
    if prepared.errors:
        assert prepared.error_code is not None
        return _request_error(request, _graphql_errors(prepared.errors, prepared.error_code), 400)
    operation = prepared.operation
    schema = service.supergraph.api_schema
    assert operation is not None
    note_operation(operation.operation.value, operation.name.value if operation.name else None)
    if request.method == "GET" and operation.operation != OperationType.QUERY:
        response = _error_response(
            405, "mutations and subscriptions must be sent with POST", "METHOD_NOT_ALLOWED", request
        )
        response.headers["allow"] = "POST"
        return response
    if operation.operation == OperationType.SUBSCRIPTION:
        return _request_error(
            request, [_error("subscriptions are not supported", "SUBSCRIPTIONS_UNSUPPORTED")], 400
        )
    coerced = _coerce_variables(schema, operation, gql.variables, hide=not config.introspection)
    if isinstance(coerced, list):
        return _request_error(request, coerced, 400)
    demand = config.demand_control
    estimated = _estimate(request, service, prepared, coerced, demand)
    if isinstance(estimated, Response):
        return estimated
    headers = {
        name: request.headers[name] for name in config.propagate_headers if name in request.headers
    }
    execution = _Execution(
        service,
        prepared,
        coerced,
        headers,
        viewer,
        demand,
        estimated,
        demand.enabled and (demand.include_in_response or gql.extensions.get("cost") is True),
        _response_type(request),
    )
    if inflight is None or operation.operation != OperationType.QUERY:
        return await execution.respond()
    key = _dedupe_key(request, config, gql, execution)
    if key is None:
        return await execution.respond()
    shared = await inflight.run(key, execution.shared)
    return shared.response()


@dataclass(frozen=True)
class _Rendered:
    """A response as bytes, status and headers: what identical queries in flight share."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, response: Response) -> _Rendered:
        return cls(response.status_code, bytes(response.body), tuple(response.raw_headers))

    def response(self) -> Response:
        # A fresh header list per requester: middleware (CORS) adds to it in place.
        response = Response(self.body, status_code=self.status)
        response.raw_headers = list(self.headers)
        return response


@dataclass(frozen=True)
class _Execution:
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

    async def shared(self) -> _Rendered:
        return _Rendered.of(await self.respond())

    async def respond(self) -> Response:
        service, prepared = self.service, self.prepared
        try:
            result = await service.execute(
                prepared, self.variables, self.headers, self.viewer, with_cost=self.demand.enabled
            )
        except RouterError as error:
            errors = [_error(error.message, error.code)]
            return _errors_response(self.media_type, errors, 500)
        except Exception as unexpected:
            error_id = log_unexpected(unexpected, "the router's execution of an operation")
            errors = [_error(f"internal router error (error id {error_id})",
                             "INTERNAL_SERVER_ERROR")]  # fmt: skip
            errors[0]["extensions"]["errorId"] = error_id
            return _errors_response(self.media_type, errors, 500)
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
            _note_error_codes(result.errors)
        return _ORJSONResponse(result.to_json(), media_type=self.media_type)


def _dedupe_key(
    request: Request, config: RouterConfig, gql: GraphQLRequest, execution: _Execution
) -> bytes | None:
    """What identical queries share; ``Authorization`` (and the header tokens are read from)
    always counts, propagated or not."""
    names = {name.lower() for name in config.propagate_headers} | {"authorization"}
    if config.authentication is not None:
        names.add(config.authentication.jwt.header_name.lower())
    claims: Mapping[str, Any] | None = request.scope.get("state", {}).get("claims")
    return request_key(
        scope=execution.service,
        query=gql.query,
        operation_name=gql.operation_name,
        variables=execution.variables,
        extensions=gql.extensions,
        media_type=execution.media_type,
        headers=[(name, request.headers.getlist(name)) for name in names],
        claims=claims,
        viewer=execution.viewer,
    )


def _coerce_variables(
    schema: Any, operation: OperationDefinitionNode, raw: dict[str, Any], *, hide: bool
) -> dict[str, Any] | list[JSONObject]:
    coerced = get_variable_values(schema, operation.variable_definitions or (), raw)
    if isinstance(coerced, list):
        errors = _graphql_errors(coerced, "BAD_USER_INPUT")
        if hide:
            for error in errors:
                error["message"] = without_suggestions(error["message"])
        return errors
    return coerced
