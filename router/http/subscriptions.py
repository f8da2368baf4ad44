"""Subscriptions for clients: over a WebSocket speaking ``graphql-transport-ws`` (what the
``graphql-ws`` library and Apollo Client speak), and over Server-Sent Events (GraphQL over
SSE's distinct connections mode: a POST with ``Accept: text/event-stream``, answered with
``next`` events and a ``complete``).

Each operation passes the same checks as over HTTP (persisted documents, limits, validation,
demand control, authorization) and each event is a query's response (see
``router.execution.subscription``). Bounded: subscriptions open at once per router process
(``subscriptions.max_open``), operations per WebSocket (``max_per_connection``), the
connection's ``connection_init`` within ``init_timeout_seconds``, and every message's size.
On shutdown, WebSockets are closed with 1012 (service restart), which clients reconnect after.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from router.execution.service import GraphQLResult
from router.execution.subscription import subscribe
from router.http.graphql_request import BadRequestError, GraphQLRequest, _validated
from router.http.operation_checks import Execution, OperationChecks
from router.http.responses import error_response
from router.telemetry.metrics import OPEN_SUBSCRIPTIONS

log = logging.getLogger("shopgraph.router")

PROTOCOL = "graphql-transport-ws"
SUBSCRIBING = "subscription_transport"
"""Set in a request's scope state by a transport that can stream a subscription."""
EVENT_STREAM = "text/event-stream"
KEEPALIVE_SECONDS = 15.0
MAX_MESSAGE_BYTES = 256_000


def accepts_event_stream(accept: str | None) -> bool:
    return accept is not None and EVENT_STREAM in accept.lower()


@dataclass
class SubscriptionLimits:
    max_open: int
    max_per_connection: int
    init_timeout_seconds: float
    open: int = 0

    def take(self) -> bool:
        if self.open >= self.max_open:
            return False
        self.open += 1
        OPEN_SUBSCRIPTIONS.set(self.open)
        return True

    def give_back(self) -> None:
        self.open -= 1
        OPEN_SUBSCRIPTIONS.set(self.open)


async def _events(execution: Execution) -> AsyncIterator[GraphQLResult]:
    async for result in subscribe(execution.service, execution.prepared, execution.variables,
                                  execution.headers, execution.viewer):  # fmt: skip
        yield result


def sse_response(execution: Execution, limits: SubscriptionLimits, request: Request) -> Response:
    """The subscription as Server-Sent Events: ``next`` for each event, then ``complete``."""
    if not limits.take():
        return error_response(503, "too many subscriptions are open; retry later",
                              "SUBSCRIPTION_LIMIT", request)  # fmt: skip

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": subscribed\n\n"
            async for result in _with_keepalive(_events(execution)):
                if result is None:
                    yield b": keepalive\n\n"
                    continue
                yield b"event: next\ndata: " + orjson.dumps(result.to_json()) + b"\n\n"
            yield b"event: complete\ndata: \n\n"
        finally:
            limits.give_back()

    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(stream(), media_type=EVENT_STREAM, headers=headers)


async def _with_keepalive(
    events: AsyncIterator[GraphQLResult],
) -> AsyncIterator[GraphQLResult | None]:
    """``events``, with None every ``KEEPALIVE_SECONDS`` without one (so that proxies keep an
    idle stream open)."""
    iterator = events.__aiter__()
    pending: asyncio.Task[GraphQLResult] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_SECONDS)
            if not done:
                yield None
                continue
            try:
                result = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield result
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


@dataclass(eq=False)
class GraphQLWebSocket:
    """One ``graphql-transport-ws`` connection. ``checks_for(request, viewer)`` gives the
    operation checks of a request built from the connection (its headers, the token of its
    ``connection_init``); ``verify(token)`` gives a token's claims (or raises)."""

    websocket: WebSocket
    limits: SubscriptionLimits
    checks_for: Callable[[Request, Mapping[str, Any] | None], OperationChecks | None]
    verify: Callable[[str], Awaitable[Mapping[str, Any]]] | None
    require_token: bool = False
    running: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    token: str | None = None
    """The bearer token of ``connection_init``, forwarded as the operations' Authorization."""

    async def serve(self) -> None:
        offered = self.websocket.scope.get("subprotocols") or []
        if PROTOCOL not in offered:
            await self.websocket.close(code=4406, reason="Subprotocol not acceptable")
            return
        await self.websocket.accept(subprotocol=PROTOCOL)
        try:
            initialized = await self._initialized()
            if initialized is False:
                return
            claims = initialized if isinstance(initialized, Mapping) else None
            await self._send({"type": "connection_ack"})
            while True:
                message = await self._receive()
                if message is None:
                    return
                await self._handle(message, claims)
                if self.websocket.application_state != WebSocketState.CONNECTED:
                    return  # closed for a protocol error
        except WebSocketDisconnect:
            pass
        finally:
            for task in self.running.values():
                task.cancel()

    async def _initialized(self) -> Mapping[str, Any] | bool | None:
        """The connection's claims (None: anonymous); False once it was closed instead."""
        try:
            async with asyncio.timeout(self.limits.init_timeout_seconds):
                message = await self._receive()
        except TimeoutError:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")
            return False
        if message is None:
            return False
        if message.get("type") != "connection_init":
            await self.websocket.close(code=4401, reason="Unauthorized")
            return False
        claims: Mapping[str, Any] | None = self.websocket.scope.get("state", {}).get("claims")
        token = _token_of(message.get("payload"))
        if token is not None:
            self.token = token
            if self.verify is not None:
                try:
                    claims = await self.verify(token)
                except Exception:  # an invalid token: never a connection
                    await self.websocket.close(code=4403, reason="Forbidden")
                    return False
        if claims is None and self.require_token:
            await self.websocket.close(code=4401, reason="Unauthorized")
            return False
        return claims

    async def _receive(self) -> dict[str, Any] | None:
        raw = await self.websocket.receive_text()
        if len(raw) > MAX_MESSAGE_BYTES:
            await self.websocket.close(code=4400, reason="Message too large")
            return None
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.websocket.close(code=4400, reason="Invalid message")
            return None
        return message

    async def _send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(orjson.dumps(message).decode())

    async def _handle(self, message: dict[str, Any], claims: Mapping[str, Any] | None) -> None:
        kind, ident = message["type"], message.get("id")
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "complete" and isinstance(ident, str):
            task = self.running.pop(ident, None)
            if task is not None:
                task.cancel()
        elif kind == "subscribe" and isinstance(ident, str) and 0 < len(ident) <= 128:
            if ident in self.running:
                await self.websocket.close(
                    code=4409, reason=f"Subscriber for {ident} already exists"
                )
                return
            if len(self.running) >= self.limits.max_per_connection:
                await self._refuse(ident, "SUBSCRIPTION_LIMIT",
                                   "too many operations on this connection")  # fmt: skip
                return
            self.running[ident] = asyncio.create_task(
                self._operation(ident, message.get("payload"), claims)
            )
        else:
            await self.websocket.close(code=4400, reason=f"Invalid message type {kind!r}")

    async def _refuse(self, ident: str, code: str, message: str) -> None:
        errors = [{"message": message, "extensions": {"code": code}}]
        await self._send({"id": ident, "type": "error", "payload": errors})

    async def _operation(self, ident: str, payload: Any, claims: Mapping[str, Any] | None) -> None:
        try:
            await self._run(ident, payload, claims)
        except asyncio.CancelledError:
            raise
        except WebSocketDisconnect:
            pass
        except Exception as error:  # one operation's failure is its own, not the connection's
            log.warning("subscription %s failed: %r", ident, error)
            with contextlib.suppress(Exception):
                await self._refuse(ident, "INTERNAL_SERVER_ERROR", "the subscription failed")
        finally:
            self.running.pop(ident, None)

    async def _run(self, ident: str, payload: Any, claims: Mapping[str, Any] | None) -> None:
        try:
            if not isinstance(payload, dict):
                raise BadRequestError("a subscribe message needs a payload object")
            gql: GraphQLRequest = _validated(payload)
        except BadRequestError as error:
            await self._refuse(ident, error.code, error.message)
            return
        request = _request_of(self.websocket, claims, self.token)
        checks = self.checks_for(request, claims)
        if checks is None:
            await self._refuse(ident, "SUPERGRAPH_NOT_LOADED", "no supergraph is loaded")
            return
        prepared = await checks.prepare(gql)
        if isinstance(prepared, Response):
            body = orjson.loads(bytes(prepared.body))
            await self._send({"id": ident, "type": "error", "payload": body.get("errors", [])})
            return
        if not prepared.is_subscription:  # a query or mutation over the socket: one result
            response = await prepared.respond()
            await self._send({"id": ident, "type": "next",
                              "payload": orjson.loads(bytes(response.body))})  # fmt: skip
        else:
            if not self.limits.take():
                await self._refuse(ident, "SUBSCRIPTION_LIMIT",
                                   "too many subscriptions are open; retry later")  # fmt: skip
                return
            try:
                async for result in _events(prepared):
                    await self._send({"id": ident, "type": "next", "payload": result.to_json()})
            finally:
                self.limits.give_back()
        await self._send({"id": ident, "type": "complete"})

    async def close_for_restart(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=1012, reason="Service restart")


def _token_of(payload: Any) -> str | None:
    """A bearer token from ``connection_init``'s payload (Apollo's ``connectionParams``):
    ``Authorization``/``authorization``, with or without ``Bearer``."""
    if not isinstance(payload, dict):
        return None
    value = payload.get("Authorization", payload.get("authorization"))
    if not isinstance(value, str) or not value.strip():
        return None
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else value.strip()


def _request_of(
    websocket: WebSocket, claims: Mapping[str, Any] | None, token: str | None
) -> Request:
    """An HTTP request standing for the connection's operations: its headers (with the token
    of ``connection_init`` as Authorization), a POST, the connection's claims, and the mark
    that it can stream a subscription."""
    scope = dict(websocket.scope)
    headers = list(scope.get("headers") or [])
    if token is not None:
        headers = [(k, v) for k, v in headers if k != b"authorization"]
        headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
    scope.update(type="http", method="POST", headers=headers,
                 state={"claims": claims, SUBSCRIBING: True})  # fmt: skip
    return Request(scope)
