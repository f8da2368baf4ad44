"""Run by test_asgi_traces in a process of its own (tracing is set up once per process): a GET
with its query string through an observed app; prints what the app saw and the spans."""

from __future__ import annotations

import asyncio

import httpx
import orjson
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from observability.asgi import ObservedApp
from observability.context import note_operation
from observability.process import configure
from observability.settings import TelemetrySettings


async def main() -> None:
    exporter = InMemorySpanExporter()
    configure(None, TelemetrySettings(traces_exporter="console", log_format="text"), exporter)

    async def graphql(request: Request) -> Response:
        note_operation("query", "Search")
        return JSONResponse({"query": request.query_params.get("variables")})

    app = ObservedApp(Starlette(routes=[Route("/graphql", graphql)]), service="asgi-traced")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        seen = (await client.get("/graphql", params={"variables": '{"q": "alice@home"}'})).json()
        metrics = (await client.get("/metrics")).text
    spans = [{"name": s.name, "attributes": dict(s.attributes or {}),
              "service": s.resource.attributes["service.name"]}
             for s in exporter.get_finished_spans()]  # fmt: skip
    print(orjson.dumps({"seen": seen, "spans": spans, "metrics": metrics}).decode())


if __name__ == "__main__":
    asyncio.run(main())
