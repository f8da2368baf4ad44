"""A request body limit as pure ASGI middleware.

A declared ``Content-Length`` above the limit is refused before the app runs; a body without
one (chunked) is counted as the app reads it and cut off as soon as it passes the limit, so no
route ever holds more than ``max_bytes`` of a body. Either way the answer is 413 with a
GraphQL-style error, ``REQUEST_TOO_LARGE``.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyTooLargeError(Exception):
    """Raised from ``receive`` once a streamed body passes the limit."""


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, not {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, "the Content-Length header is not a number",
                              "BAD_REQUEST")  # fmt: skip
                return
            if int(declared) > self.max_bytes:
                await self._too_large(send)
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLargeError:
            # An app that answers before reading its whole body has nothing more to say.
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        await _refuse(send, 413, f"the request body is larger than {self.max_bytes} bytes",
                      "REQUEST_TOO_LARGE")  # fmt: skip


async def _refuse(send: Send, status: int, message: str, code: str) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
