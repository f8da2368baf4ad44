"""The HTTP side every subgraph shares: bearer-token authentication, health, the GraphQL app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Lifespan, Receive, Scope, Send

from subgraphs.common.auth import ANONYMOUS, AuthenticationError, TokenVerifier, Viewer
from subgraphs.common.health import Checks, readiness_route


class BearerAuthentication:
    """Pure ASGI middleware: verify the bearer token, put the viewer in ``scope["state"]``.

    A token that does not verify gets a 401 with a GraphQL error body; no token is anonymous.
    """

    def __init__(self, app: ASGIApp, verifier: Callable[[], TokenVerifier]) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1") or None
        try:
            viewer = await self.verifier().viewer(authorization)
        except AuthenticationError as error:
            if scope["type"] == "websocket":  # refused before the handshake completes
                await send({"type": "websocket.close", "code": 4401})
                return
            body = {"errors": [{"message": str(error), "extensions": {"code": error.code}}]}
            response = Response(
                orjson.dumps(body),
                status_code=401,
                media_type="application/json",
                headers={"www-authenticate": 'Bearer error="invalid_token"'},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self.app(scope, receive, send)


def viewer_of(request: Request) -> Viewer:
    """Who sent the request, as :class:`BearerAuthentication` found out."""
    viewer: Viewer = request.scope.get("state", {}).get("viewer", ANONYMOUS)
    return viewer


async def health(_: Request) -> Response:
    return JSONResponse({"status": "UP"})


def subgraph_routes(
    graphql: Any, readiness: Checks, extra: list[BaseRoute] | None = None
) -> list[BaseRoute]:
    return [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
        Route("/health", health, methods=["GET"]),
        readiness_route(readiness),
        *(extra or []),
    ]


def subgraph_app(
    graphql: Any,
    *,
    verifier: Callable[[], TokenVerifier],
    lifespan: Lifespan[Starlette],
    readiness: Checks,
) -> Starlette:
    """A subgraph's ASGI app: its GraphQL endpoint, liveness (``/health``) and readiness
    (``/health/ready``: a round trip to each of ``readiness``'s stores) behind bearer-token
    authentication, with its stores opened and closed by ``lifespan``."""
    return Starlette(
        routes=subgraph_routes(graphql, readiness),
        middleware=[Middleware(BearerAuthentication, verifier=verifier)],
        lifespan=lifespan,
    )
