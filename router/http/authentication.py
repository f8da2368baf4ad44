"""JWT authentication as pure ASGI middleware, on the paths it guards (the GraphQL endpoint).

A request without the credentials header is anonymous (``scope["state"]["claims"]`` is None)
in ``optional`` mode and refused in ``required`` mode. A header that is malformed, or a token
the verifier does not accept, is refused in both modes: 401 with ``WWW-Authenticate`` and a
GraphQL error coded ``UNAUTHENTICATED``, before the app (and so any subgraph) sees the request.
An accepted token's claims go to ``scope["state"]["claims"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any, Protocol

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from router.auth.errors import AuthenticationError
from router.auth.settings import Mode

log = logging.getLogger("shopgraph.router.auth")

MODES = ("required", "optional")


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or ``AuthenticationError``."""
        ...


class AuthenticationMiddleware:
    """``allow_anonymous(scope)``: requests that need no credentials even in ``required`` mode
    (the GraphiQL page, say); a token they do carry is still verified."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        verifier: TokenVerifier,
        mode: Mode,
        paths: Collection[str],
        header_name: str = "authorization",
        header_prefix: str = "Bearer",
        allow_anonymous: Callable[[Scope], bool] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not paths:
            raise ValueError("paths must name at least one path to guard")
        self.app = app
        self.verifier = verifier
        self.required = mode == "required"
        self.paths = frozenset(paths)
        self.header = header_name.lower().encode("latin-1")
        self.prefix = header_prefix
        expected = f"{header_prefix} <token>" if header_prefix else "<token>"
        self.malformed_message = f"the {header_name} header must be '{expected}'"
        self.allow_anonymous = allow_anonymous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        values = [value for name, value in scope["headers"] if name == self.header]
        claims: dict[str, Any] | None = None
        try:
            if values:
                claims = await self.verifier.verify(self._token(values))
            elif self.required and not (self.allow_anonymous and self.allow_anonymous(scope)):
                raise AuthenticationError("authentication is required", reason="missing")
        except AuthenticationError as error:
            log.info("authentication refused on %s: %s", scope["path"], error.reason)
            await self._refuse(scope, send, error)
            return
        scope.setdefault("state", {})["claims"] = claims
        await self.app(scope, receive, send)

    def _token(self, values: list[bytes]) -> str:
        malformed = AuthenticationError(self.malformed_message, reason="header")
        if len(values) != 1:
            raise malformed
        try:
            value = values[0].decode("ascii").strip(" \t")
        except UnicodeDecodeError:
            raise malformed from None
        if self.prefix:
            scheme, _, value = value.partition(" ")
            if scheme.lower() != self.prefix.lower():
                raise malformed
            value = value.lstrip(" ")
        if not value or any(c.isspace() or not c.isprintable() for c in value):
            raise malformed
        return value

    async def _refuse(self, scope: Scope, send: Send, error: AuthenticationError) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        scheme = (self.prefix or "Bearer").encode("latin-1")
        challenge = scheme if error.reason == "missing" else scheme + b' error="invalid_token"'
        body = orjson.dumps(
            {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
        )
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", challenge),
            (b"cache-control", b"no-store"),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})
