"""Serve one test subgraph: ``python -m tests.router.subgraphs NAME PORT``."""

from __future__ import annotations

import sys
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from tests.router.subgraphs import market, shop

SCHEMAS = {**shop.SCHEMAS, **market.SCHEMAS}

Scope = dict[str, Any]


class RecordRequests:
    """Pure ASGI wrapper that keeps the JSON body of every GraphQL POST."""

    def __init__(self, app: Any, log: list[Any]) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        self.log.append(orjson.loads(body))
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                message: dict[str, Any] = await receive()
                return message
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def create_app(name: str) -> Starlette:
    log: list[Any] = []

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            log.clear()
            return Response(status_code=204)
        return JSONResponse(log)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "UP"})

    async def garbage(_: Request) -> Response:
        return Response("<html>502 Bad Gateway</html>", status_code=502, media_type="text/html")

    graphql = RecordRequests(GraphQL(SCHEMAS[name]), log)
    return Starlette(
        routes=[
            Route("/requests", requests, methods=["GET", "DELETE"]),
            Route("/health", health),
            Route("/garbage", garbage, methods=["POST"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ]
    )


if __name__ == "__main__":
    subgraph, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(create_app(subgraph), host="127.0.0.1", port=port, log_level="warning")
