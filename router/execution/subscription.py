"""Subscriptions: the router subscribes to the subgraph that owns the root field, over a
WebSocket (``graphql-transport-ws``), and resolves each event like a query.

The operation is planned as any other: its first fetch is the subscription to the owning
subgraph, the rest are the fetches that complete each event from other subgraphs. A first run
of the plan records that fetch (its subgraph, document and variables) without sending it; the
router then opens the subscription with the client's forwarded headers (the subgraph checks
its token), and runs the plan once per event with the event as that fetch's answer. So
authorization, error masking, null propagation and the other subgraphs' fields apply to every
event exactly as to a query's response.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from router.auth.directives import Viewer
from router.execution.client import SubgraphAnswer, SubgraphClient, SubgraphError
from router.execution.prepare import PreparedOperation
from router.execution.service import GraphQLResult, RouterService
from router.types import JSONObject

PROTOCOL = "graphql-transport-ws"
CONNECT_TIMEOUT_SECONDS = 5.0
MAX_EVENT_BYTES = 1_000_000


class SubscriptionError(SubgraphError):
    """The owning subgraph could not be subscribed to."""

    code = "SUBSCRIPTION_FAILED"


@dataclass
class _Captured:
    subgraph: str
    url: str
    body: JSONObject


def _is_subscription(payload: bytes | JSONObject) -> JSONObject | None:
    body = orjson.loads(payload) if isinstance(payload, bytes) else payload
    query = body.get("query") if isinstance(body, dict) else None
    if isinstance(query, str) and query.lstrip().startswith("subscription"):
        return body
    return None


class _RootFetch:
    """A subgraph client that answers the plan's subscription fetch itself (recording it, or
    with an event) and passes every other fetch on to ``inner``."""

    def __init__(self, inner: SubgraphClient, answer: bytes) -> None:
        self.inner = inner
        self.answer = answer
        self.captured: _Captured | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> JSONObject:  # fmt: skip
        found = _is_subscription(body)
        if found is None:
            return await self.inner.send(subgraph, url, body, headers, retry=retry)
        self.captured = _Captured(subgraph, url, found)
        decoded: JSONObject = orjson.loads(self.answer)
        return decoded

    async def send_bytes(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> SubgraphAnswer:  # fmt: skip
        return await self.start(subgraph, url, payload, headers, retry=retry)

    def start(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> asyncio.Future[SubgraphAnswer]:  # fmt: skip
        found = _is_subscription(payload)
        if found is None:
            return self.inner.start(subgraph, url, payload, headers, retry=retry)
        self.captured = _Captured(subgraph, url, found)
        future: asyncio.Future[SubgraphAnswer] = asyncio.get_running_loop().create_future()
        future.set_result(SubgraphAnswer(200, self.answer))
        return future


async def _run(
    service: RouterService, client: _RootFetch, prepared: PreparedOperation,
    variables: Mapping[str, Any], headers: Mapping[str, str], viewer: Viewer,
) -> GraphQLResult:  # fmt: skip
    view = copy.copy(service)  # the same plans and caches, this request's client
    view.client = client
    return await view.execute(prepared, variables, headers, viewer, with_cost=False)


async def subscribe(
    service: RouterService,
    prepared: PreparedOperation,
    variables: Mapping[str, Any],
    headers: Mapping[str, str],
    viewer: Viewer,
) -> AsyncIterator[GraphQLResult]:
    """Each event of the subscription as a response; the subgraph's refusal to subscribe (or a
    failure to reach it) as one response with errors, after which the stream ends."""
    probe = _RootFetch(service.client, b'{"data":null}')
    refused = await _run(service, probe, prepared, variables, headers, viewer)
    if probe.captured is None:  # refused before any fetch (authorization), or nothing to do
        yield refused
        return
    target = probe.captured
    try:
        async with _subgraph_subscription(target, headers) as events:
            async for event in events:
                client = _RootFetch(service.client, event)
                yield await _run(service, client, prepared, variables, headers, viewer)
    except SubgraphError as error:
        yield GraphQLResult(None, [{"message": error.message, "extensions": {
            "code": error.code, "serviceName": target.subgraph}}])  # fmt: skip


def websocket_url(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


@contextlib.asynccontextmanager
async def _subgraph_subscription(
    target: _Captured, headers: Mapping[str, str]
) -> AsyncIterator[AsyncIterator[bytes]]:
    try:
        connection = await websockets.connect(
            websocket_url(target.url), subprotocols=[websockets.Subprotocol(PROTOCOL)],
            additional_headers=dict(headers), open_timeout=CONNECT_TIMEOUT_SECONDS,
            max_size=MAX_EVENT_BYTES, ping_interval=20, ping_timeout=20,
        )  # fmt: skip
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        raise SubscriptionError(
            f"subgraph '{target.subgraph}' could not be subscribed to: {error}"
        ) from None
    try:
        await _start(connection, target)
        yield _events(connection, target.subgraph)
    finally:
        with contextlib.suppress(Exception):
            await connection.send(orjson.dumps({"id": "1", "type": "complete"}).decode())
        await connection.close()


async def _start(connection: ClientConnection, target: _Captured) -> None:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            await connection.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
            while True:
                message = orjson.loads(await connection.recv())
                if message.get("type") == "connection_ack":
                    break
                if message.get("type") == "ping":
                    await connection.send('{"type":"pong"}')
    except (TimeoutError, websockets.WebSocketException, orjson.JSONDecodeError) as error:
        raise SubscriptionError(
            f"subgraph '{target.subgraph}' did not accept the subscription: {error!r}"
        ) from None
    body = target.body
    payload = {"query": body["query"], "variables": body.get("variables") or {}}
    if body.get("operationName"):
        payload["operationName"] = body["operationName"]
    await connection.send(
        orjson.dumps({"id": "1", "type": "subscribe", "payload": payload}).decode()
    )


async def _events(connection: ClientConnection, subgraph: str) -> AsyncIterator[bytes]:
    """Each ``next`` payload as the answer of the subscription fetch; an ``error`` message as
    one answer with its errors, and the end."""
    try:
        async for raw in connection:
            message = orjson.loads(raw)
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "next" and isinstance(message.get("payload"), dict):
                yield orjson.dumps(message["payload"])
            elif kind == "error":
                errors = message.get("payload")
                yield orjson.dumps({"data": None, "errors": errors if isinstance(errors, list)
                                    else [{"message": "subscription refused"}]})  # fmt: skip
                return
            elif kind == "complete":
                return
            elif kind == "ping":
                await connection.send('{"type":"pong"}')
    except websockets.ConnectionClosedError as error:
        raise SubscriptionError(f"subgraph '{subgraph}' closed the subscription: {error}") from None
    except orjson.JSONDecodeError:
        raise SubscriptionError(f"subgraph '{subgraph}' sent a message that is not JSON") from None
