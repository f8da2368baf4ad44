"""CSRF protection as pure ASGI middleware.

A state-changing request (any method but GET, HEAD, OPTIONS) must carry the custom header
``X-Shopgraph-CSRF``: a cross-site page cannot add a custom header to a form post or a simple
request, and the BFF allows no cross-origin requests that could (no CORS). When the browser
sends ``Origin``, it must be the BFF's own. The session cookie is ``SameSite=Lax`` on top.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

HEADER = b"x-shopgraph-csrf"
SAFE = {"GET", "HEAD", "OPTIONS"}


class CsrfProtection:
    def __init__(self, app: ASGIApp, origin: str) -> None:
        self.app = app
        self.origin = origin.rstrip("/").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        if HEADER not in headers or (origin is not None and origin != self.origin):
            body = orjson.dumps({"errors": [{
                "message": "cross-site request refused: send the X-Shopgraph-CSRF header "
                           "from the site's own pages",
                "extensions": {"code": "CSRF_REJECTED"},
            }]})  # fmt: skip
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
