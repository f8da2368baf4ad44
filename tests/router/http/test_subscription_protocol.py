"""The router's ``graphql-transport-ws`` endpoint and Server-Sent Events, as a client meets
them: the handshake and its bounds (subprotocol, ``connection_init`` in time, one id per live
operation, message sizes, operations per connection), queries over the socket, refusals with
codes, and 1012 when the router stops."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import websockets
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from router.http.app import create_app
from router.http.config import SubscriptionSettings
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config, router_process

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
def router(subgraphs: Subgraphs) -> Iterator[TestClient]:
    config = router_config(
        subgraphs, subscriptions=SubscriptionSettings(init_timeout_seconds=0.5,
                                                      max_per_connection=2)
    )  # fmt: skip
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        yield client


def _send(ws: Any, message: dict[str, Any]) -> None:
    ws.send_text(orjson.dumps(message).decode())


def _receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(ws.receive_text())
    return message


def _closed_with(ws: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_text()
    return closed.value.code


def test_a_query_over_the_socket_gets_one_result_then_complete(router: TestClient) -> None:
    with router.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert str(ws.accepted_subprotocol) == PROTOCOL
        _send(ws, {"type": "connection_init"})
        assert _receive(ws) == {"type": "connection_ack"}
        _send(ws, {"type": "ping"})
        assert _receive(ws) == {"type": "pong"}
        _send(ws, {"id": "q", "type": "subscribe",
                   "payload": {"query": '{ product(id: "p1") { name } }'}})  # fmt: skip
        assert _receive(ws) == {"id": "q", "type": "next",
                                "payload": {"data": {"product": {"name": "Kettle"}}}}  # fmt: skip
        assert _receive(ws) == {"id": "q", "type": "complete"}


def test_an_invalid_operation_is_an_error_message_with_codes(router: TestClient) -> None:
    with router.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _send(ws, {"type": "connection_init"})
        _receive(ws)
        _send(ws, {"id": "1", "type": "subscribe", "payload": {"query": "{ nope }"}})
        error = _receive(ws)
    assert (error["id"], error["type"]) == ("1", "error")
    assert [e["extensions"]["code"] for e in error["payload"]] == ["GRAPHQL_VALIDATION_FAILED"]


def test_another_subprotocol_is_not_acceptable(router: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        router.websocket_connect("/graphql", subprotocols=["graphql-ws"]),
    ):
        pass
    assert closed.value.code == 4406


def test_no_connection_init_in_time_closes_with_4408(router: TestClient) -> None:
    with router.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert _closed_with(ws) == 4408


@pytest.mark.parametrize(
    "message",
    ["not json", '{"no": "type"}', '{"type": "subscribe", "id": "1"}', "x" * 300_000],
)
def test_malformed_or_oversized_messages_close_with_4400_or_4401(
    router: TestClient, message: str
) -> None:
    with router.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_text(message)
        assert _closed_with(ws) in (4400, 4401)  # before connection_init: unauthorized


def test_a_live_id_used_twice_closes_with_4409(router: TestClient) -> None:
    slow = {"query": "{ slow(seconds: 2) }"}
    with router.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _send(ws, {"type": "connection_init"})
        _receive(ws)
        _send(ws, {"id": "same", "type": "subscribe", "payload": slow})
        _send(ws, {"id": "same", "type": "subscribe", "payload": slow})
        assert _closed_with(ws) == 4409


def test_operations_per_connection_are_bounded(router: TestClient) -> None:
    slow = {"query": "{ slow(seconds: 1) }"}
    with router.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        _send(ws, {"type": "connection_init"})
        _receive(ws)
        for ident in ("a", "b", "c"):
            _send(ws, {"id": ident, "type": "subscribe", "payload": slow})
        refused = _receive(ws)
        assert (refused["id"], refused["type"]) == ("c", "error")
        assert refused["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"


def test_a_subscription_over_plain_http_is_refused_with_a_code(router: TestClient) -> None:
    response = router.post("/graphql", json={"query": "subscription { __typename }"},
                           headers={"accept": "application/graphql-response+json"})  # fmt: skip
    assert response.status_code in (400, 200)
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes & {"SUBSCRIPTIONS_UNSUPPORTED", "GRAPHQL_VALIDATION_FAILED"}


def test_subscriptions_can_be_turned_off(subgraphs: Subgraphs) -> None:
    config = router_config(subgraphs, subscriptions=SubscriptionSettings(enabled=False))
    with (
        TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client,
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/graphql", subprotocols=[PROTOCOL]),
    ):
        pass


def test_a_router_that_stops_closes_its_sockets_with_1012(
    subgraphs: Subgraphs, tmp_path: Path
) -> None:
    config = {"subgraphs": {n: {"url": subgraphs.url(n)} for n in subgraphs.urls}, "workers": 1}
    started = router_process(config, tmp_path)
    url = next(started)

    async def wait_for_close() -> int | None:
        subprotocols = [websockets.Subprotocol(PROTOCOL)]
        async with websockets.connect(url.replace("http://", "ws://"),
                                      subprotocols=subprotocols) as ws:  # fmt: skip
            await ws.send('{"type": "connection_init"}')
            assert orjson.loads(await ws.recv()) == {"type": "connection_ack"}
            stopping = asyncio.ensure_future(asyncio.to_thread(started.close))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 30)
            await stopping
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert asyncio.run(wait_for_close()) == 1012
