"""The mobile BFF's ASGI app: ``/graphql`` for the app, ``/health`` and ``/health/ready``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bff_mobile.graphql_endpoint import GraphQLEndpoint
from bff_mobile.operations import load_router_operations
from bff_mobile.persisted import PersistedOperations
from bff_mobile.router_client import RouterClient
from bff_mobile.schema import build_schema
from bff_mobile.settings import MobileSettings
from bff_web.health import readiness_route, router_check


def create_app(settings: MobileSettings | None = None) -> Starlette:
    """The app; by default configured from ``SHOPGRAPH_BFF_MOBILE_*`` settings. The schema,
    the router operations and the persisted app operations are loaded and checked here."""
    settings = settings or MobileSettings()
    schema = build_schema()
    persisted = PersistedOperations.load(schema)
    operations = load_router_operations()
    clients: list[RouterClient] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        timeout = httpx.Timeout(
            settings.router_timeout_seconds, connect=settings.router_connect_timeout_seconds
        )
        limits = httpx.Limits(
            max_connections=settings.router_max_connections,
            max_keepalive_connections=settings.router_max_keepalive_connections,
        )
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
            client = RouterClient(
                http,
                settings.router_url,
                operations,
                timeout_seconds=settings.router_timeout_seconds,
                retry_backoff_seconds=settings.router_retry_backoff_seconds,
            )
            clients.append(client)
            yield
            clients.clear()

    def router() -> RouterClient:
        if not clients:
            raise RuntimeError("the mobile BFF serves requests only while its lifespan runs")
        return clients[0]

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "UP"})

    endpoint = GraphQLEndpoint(settings, schema, persisted, router)
    routes = [
        Route("/graphql", endpoint.handle, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        # Before the lifespan has started, clients[0] is a LookupError: not ready.
        readiness_route(lambda: [router_check(clients[0].http, settings.router_url)]),
    ]
    middleware = [Middleware(GZipMiddleware, minimum_size=settings.gzip_minimum_size)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.persisted_operations = persisted
    return app
