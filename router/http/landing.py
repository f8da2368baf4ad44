"""The router's landing page at ``/`` (what a person opening the router's address sees) and its
icon, both without scripts, under a Content-Security-Policy that allows none."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from router.http.config import RouterConfig

ICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<rect width="32" height="32" rx="6" fill="#3b4c9b"/>'
    b'<path d="M16 5 26 11v10l-10 6-10-6V11z" fill="none" stroke="#fff" stroke-width="2"/>'
    b'<circle cx="16" cy="16" r="3" fill="#fff"/></svg>'
)
POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def landing_page(config: RouterConfig) -> HTMLResponse:
    graphql = escape(config.graphql_path)
    links = [
        (graphql, "GraphiQL, the playground" if config.playground else "the GraphQL endpoint"),
        ("/health", "liveness"),
        ("/health/ready", "readiness: the supergraph and each subgraph's circuit"),
        ("/metrics", "Prometheus metrics"),
    ]
    items = "".join(f'<li><a href="{href}">{href}</a>: {escape(what)}</li>' for href, what in links)
    usage = (
        f"POST GraphQL to <code>{graphql}</code> (JSON), GET queries with an "
        "<code>apollo-require-preflight</code> header, subscriptions over a WebSocket "
        f"(<code>graphql-transport-ws</code>) at <code>{graphql}</code> or as Server-Sent Events."
    )
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        '<link rel=icon href="/favicon.ico" type="image/svg+xml">'
        "<title>shopgraph router</title><style>body{font:16px/1.5 system-ui,sans-serif;"
        "max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}a{color:#2a3b8f}"
        "code{background:#f2f2f5;padding:0 .2em}</style></head><body>"
        f"<h1>shopgraph router</h1><p>{usage}</p><ul>{items}</ul></body></html>"
    )
    return HTMLResponse(body, headers={"content-security-policy": POLICY,
                                       "x-content-type-options": "nosniff"})  # fmt: skip


async def favicon(_: Request) -> Response:
    return Response(ICON, media_type="image/svg+xml",
                    headers={"cache-control": "public, max-age=86400"})  # fmt: skip
