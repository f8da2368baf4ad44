"""The router's ASGI app: ``/graphql``, GraphiQL, ``/health`` and ``/health/ready``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from observability.context import note_operation
from router.auth.directives import Viewer
from router.auth.settings import JwtSettings
from router.auth.viewer import load_policy_hook, viewer_of
from router.execution import HttpSubgraphClient
from router.execution.budget import PreparationWorkers
from router.execution.client import SubgraphClient
from router.execution.incremental import start_incremental
from router.execution.service import RouterService
from router.http.authentication import AuthenticationMiddleware
from router.http.caching import caching_client, entity_store, follow_changes
from router.http.config import RouterConfig
from router.http.csrf import CsrfMiddleware, is_page_request
from router.http.graphiql import (
    ASSETS_PATH,
    graphiql_asset,
    graphiql_page,
    sign_in_callback_page,
)
from router.http.graphql_request import BadRequestError, GraphQLRequest, read_graphql_request
from router.http.inflight import InFlightRequests, request_key
from router.http.landing import favicon, landing_page
from router.http.media_types import response_media_type
from router.http.multipart import DEFER_BAD_HEADER, IncrementalResponse, incremental_spec
from router.http.operation_checks import Execution, OperationChecks, Rendered
from router.http.persisted import persisted_documents
from router.http.process import tune_process
from router.http.rate_limit import (
    RateLimitMiddleware,
    build_token_buckets,
    charge_operations,
    refusal,
)
from router.http.reload import SupergraphHolder
from router.http.response_cache import ResponseCache
from router.http.responses import ORJSONResponse, error_response, response_type
from router.http.subscriptions import (
    GraphQLWebSocket,
    SubscriptionLimits,
    accepts_event_stream,
    sse_response,
)
from router.operation.persisted import PersistedDocuments
from router.operation.variables import VariablesLimits
from router.supergraph import Supergraph
from router.telemetry.metrics import BATCHES, exposition

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from router.auth.jwt import JwtVerifier

log = logging.getLogger("shopgraph.router")

NOT_ACCEPTABLE = (
    "the Accept header allows neither application/graphql-response+json nor application/json"
)


def create_app(
    config: RouterConfig,
    *,
    supergraph_path: str | Path | None = None,
    supergraph: Supergraph | None = None,
    cache_redis: Redis | None = None,
) -> Starlette:
    """The router app over a supergraph file (hot-reloaded) or an already loaded supergraph.
    ``cache_redis``: the Redis of the entity cache, instead of ``entity_cache.redis_url``."""
    defaults, subgraphs = config.subgraph_defaults, config.subgraphs.items()
    http_client = HttpSubgraphClient(
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
    client: SubgraphClient = http_client
    store = entity_store(config.entity_cache, cache_redis)
    if store is not None:
        client = caching_client(http_client, store, config.entity_cache, lambda: holder.current)
    holder = SupergraphHolder(config, client, supergraph_path, supergraph, workers)
    hook = (
        load_policy_hook(config.authorization.policy_hook)
        if config.authorization.policy_hook
        else None
    )
    buckets = build_token_buckets(config.rate_limit) if config.rate_limit else None
    variables = config.limits.variables.limits()
    inflight = InFlightRequests[Rendered]() if config.dedupe_inbound_requests else None
    documents = persisted_documents(config)

    async def graphql(request: Request) -> Response:
        if request.method == "GET" and is_page_request(request.scope):
            if config.playground:
                return graphiql_page(config)
            return error_response(404, "the GraphiQL playground is disabled", "NOT_FOUND", request)
        accept = request.headers.get("accept")
        if (response_media_type(accept) is None and incremental_spec(accept) is None
                and not accepts_event_stream(accept)):  # fmt: skip
            return error_response(406, NOT_ACCEPTABLE, "NOT_ACCEPTABLE", request)
        service = holder.service
        if service is None:
            return error_response(503, "no supergraph is loaded", "SUPERGRAPH_NOT_LOADED", request)
        claims = request.scope.get("state", {}).get("claims")
        viewer = viewer_of(
            claims,
            scope_claims=config.authorization.scope_claims,
            policies=service.policy_names,
            hook=hook,
        )
        return await _handle_graphql(
            request, service, config, viewer, variables, inflight, documents
        )

    async def metrics(_: Request) -> Response:
        return Response(exposition(), media_type="text/plain; version=0.0.4")

    async def health(_: Request) -> Response:
        return ORJSONResponse({"status": "UP"})

    async def ready(_: Request) -> Response:
        if holder.service is None:
            return ORJSONResponse({"status": "DOWN", "reason": holder.last_error}, status_code=503)
        circuits = http_client.circuit_states()
        return ORJSONResponse({"status": "UP", "supergraph": holder.digest, "circuits": circuits})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await holder.start()
        tune_process()
        if store is not None:
            follow_changes(store, config.entity_cache)
        try:
            yield
        finally:
            for connection in list(sockets):  # clients reconnect after 1012
                await connection.close_for_restart()
            await holder.stop()
            await http_client.aclose()
            if store is not None:
                await store.aclose()
            if documents.store is not None:
                await documents.store.aclose()
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
    verifier = None
    if config.authentication is not None:
        settings = config.authentication
        verifier = _jwt_verifier(settings.jwt)
        middleware.append(
            Middleware(
                AuthenticationMiddleware,
                verifier=verifier,
                mode=settings.mode,
                paths=[config.graphql_path],
                header_name=settings.jwt.header_name,
                header_prefix=settings.jwt.header_prefix,
                # A WebSocket may bring its token in connection_init instead (browsers cannot
                # set headers on one); GraphQLWebSocket checks it there.
                allow_anonymous=lambda scope: (
                    scope["type"] == "websocket" or (config.playground and is_page_request(scope))
                ),
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
    subscription_limits = SubscriptionLimits(
        max_open=config.subscriptions.max_open,
        max_per_connection=config.subscriptions.max_per_connection,
        init_timeout_seconds=config.subscriptions.init_timeout_seconds,
    )
    sockets: set[GraphQLWebSocket] = set()

    def checks_for(request: Request, claims: Mapping[str, Any] | None) -> OperationChecks | None:
        service = holder.service
        if service is None:
            return None
        viewer = viewer_of(claims, scope_claims=config.authorization.scope_claims,
                           policies=service.policy_names, hook=hook)  # fmt: skip
        return OperationChecks(request, service, config, viewer, variables, documents)

    async def graphql_websocket(websocket: WebSocket) -> None:
        required = config.authentication is not None and config.authentication.mode == "required"
        connection = GraphQLWebSocket(
            websocket, subscription_limits, checks_for,
            verifier.verify if verifier is not None else None, require_token=required,
        )  # fmt: skip
        sockets.add(connection)
        try:
            await connection.serve()
        finally:
            sockets.discard(connection)

    routes: list[BaseRoute] = [
        Route(config.graphql_path, graphql, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if config.graphql_path != "/":

        async def landing(_: Request) -> Response:
            return landing_page(config)

        routes.append(Route("/", landing, methods=["GET"]))
    if config.subscriptions.enabled:
        routes.append(WebSocketRoute(config.graphql_path, graphql_websocket))
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
    app.state.subscription_limits = subscription_limits
    app.state.sockets = sockets
    app.state.response_cache = (
        ResponseCache(store) if store is not None and config.entity_cache.responses else None
    )
    return app


def _jwt_verifier(settings: JwtSettings) -> JwtVerifier:
    # Imported by a router that checks tokens only: joserfc and the JWKS client cost a process
    # about 15 MB.
    from router.auth.jwt import JwtVerifier

    return JwtVerifier(settings)


async def _handle_graphql(
    request: Request,
    service: RouterService,
    config: RouterConfig,
    viewer: Viewer,
    variables: VariablesLimits,
    inflight: InFlightRequests[Rendered] | None,
    documents: PersistedDocuments,
) -> Response:
    batching = config.batching
    try:
        read = await read_graphql_request(
            request,
            config.max_request_bytes,
            max_batch_size=batching.max_batch_size if batching.enabled else 0,
        )
    except BadRequestError as error:
        return error_response(error.status, error.message, error.code, request)
    checks = OperationChecks(request, service, config, viewer, variables, documents)
    if isinstance(read, list):
        return await _batch(checks, read, inflight)
    prepared = await checks.prepare(read)
    if isinstance(prepared, Response):
        return prepared
    if prepared.is_subscription:
        return sse_response(prepared, request.app.state.subscription_limits, request)
    if config.defer_support and prepared.prepared.has_defer:
        streamed = await _respond_incrementally(checks, prepared)
        if streamed is not None:
            return streamed
    return await _respond(checks, read, prepared, inflight)


async def _respond_incrementally(checks: OperationChecks, execution: Execution) -> Response | None:
    """A streamed response when a fragment defers with these variables; None otherwise (and
    for a failure to plan, which the one-response path reports). Never shared with identical
    requests in flight: each stream is its client's own."""
    try:
        incremental = await start_incremental(
            execution.service, execution.prepared, execution.variables, execution.headers,
            execution.viewer, checks.config.defer_deadline_seconds,
        )  # fmt: skip
    except Exception:  # answered (and logged) by the one-response path
        return None
    if incremental is None:
        return None
    spec = incremental_spec(checks.request.headers.get("accept"))
    if spec is None:
        # As Apollo Router: a client that can't read multipart/mixed is told how to ask.
        return error_response(406, DEFER_BAD_HEADER, "DEFER_BAD_HEADER", checks.request)
    return IncrementalResponse(spec, incremental)


async def _batch(
    checks: OperationChecks,
    batch: list[GraphQLRequest],
    inflight: InFlightRequests[Rendered] | None,
) -> Response:
    """Each operation checked and executed on its own, answered in order in one array.
    Queries run at once; a batch with a mutation runs in order, one after the other."""
    BATCHES.observe(len(batch))
    decision = await charge_operations(checks.request.scope, len(batch) - 1)
    if decision is not None and not decision.allowed:
        status, headers, body = refusal(decision)
        response = Response(body, status_code=status)
        response.raw_headers = headers
        return response
    prepared = [await checks.prepare(gql) for gql in batch]
    runs = [
        _answered(item) if isinstance(item, Response) else _respond(checks, gql, item, inflight)
        for gql, item in zip(batch, prepared, strict=True)
    ]
    if any(isinstance(item, Execution) and item.is_mutation for item in prepared):
        responses = [await run for run in runs]
    else:
        responses = list(await asyncio.gather(*runs))
    # One access-log line and operation metric for the request: a batch of N, not its last.
    note_operation("batch", f"{len(batch)} operations")
    body = b"[" + b",".join(bytes(response.body) for response in responses) + b"]"
    return Response(body, media_type=response_type(checks.request))


async def _answered(response: Response) -> Response:
    return response


async def _respond(
    checks: OperationChecks,
    gql: GraphQLRequest,
    execution: Execution,
    inflight: InFlightRequests[Rendered] | None,
) -> Response:
    responses: ResponseCache | None = checks.request.app.state.response_cache
    digest = checks.request.app.state.supergraph.digest
    kept = responses.key(gql, execution, digest) if responses is not None else None
    if responses is None or kept is None:
        return await _execute(checks, gql, execution, inflight)
    cached = await responses.cached(kept, execution)
    if cached is not None:
        return cached
    async with responses.collecting() as tags:
        response = await _execute(checks, gql, execution, inflight)
    await responses.keep(kept, response, tags)
    return response


async def _execute(
    checks: OperationChecks,
    gql: GraphQLRequest,
    execution: Execution,
    inflight: InFlightRequests[Rendered] | None,
) -> Response:
    if inflight is None or execution.is_mutation:
        return await execution.respond()
    key = _dedupe_key(checks.request, checks.config, gql, execution)
    if key is None:
        return await execution.respond()
    shared = await inflight.run(key, execution.shared)
    return shared.response()


def _dedupe_key(
    request: Request, config: RouterConfig, gql: GraphQLRequest, execution: Execution
) -> bytes | None:
    """What identical queries share; ``Authorization`` (and the header tokens are read from)
    always counts, propagated or not."""
    names = {name.lower() for name in config.propagate_headers} | {"authorization"}
    if config.authentication is not None:
        names.add(config.authentication.jwt.header_name.lower())
    claims: Mapping[str, Any] | None = request.scope.get("state", {}).get("claims")
    return request_key(
        scope=execution.service,
        query=execution.query,
        operation_name=gql.operation_name,
        variables=execution.variables,
        extensions=gql.extensions,
        media_type=execution.media_type,
        headers=[(name, request.headers.getlist(name)) for name in names],
        claims=claims,
        viewer=execution.viewer,
    )
