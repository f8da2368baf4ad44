"""Subscriptions on the running system: ``orderStatusChanged`` over a WebSocket
(``graphql-transport-ws``) and over Server-Sent Events, from the orders outbox stream, for the
customer who owns the order and nobody else; each event completed from other subgraphs like
a query; ``stockChanged`` for anyone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets

from tests.e2e.test_vendor_scoping import place_order_as_bob, router, vendor_token
from tests.support.node_packages import install_packages, run_node
from tests.support.oidc import sign_in_to_mobile_app
from tests.support.stack import Stack

STATUS = """subscription ($id: ID!) {
  orderStatusChanged(orderId: $id) { id status items { product { id name } } }
}"""


@pytest.fixture(scope="module")
def bob(stack: Stack) -> str:
    return sign_in_to_mobile_app(stack.url("identity"), "bob@example.com").access_token


@pytest.fixture(scope="module")
def alice(stack: Stack) -> str:
    return sign_in_to_mobile_app(stack.url("identity")).access_token


def _ws_url(stack: Stack) -> str:
    return stack.url("router").replace("http://", "ws://") + "/graphql"


async def _subscribed(
    stack: Stack, token: str, query: str, variables: dict[str, Any]
) -> AsyncGenerator[dict[str, Any], None]:
    """Each message of one subscription over graphql-transport-ws, after the ack."""
    async with websockets.connect(_ws_url(stack), subprotocols=[websockets.Subprotocol(
            "graphql-transport-ws")]) as ws:  # fmt: skip
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(orjson.dumps(init).decode())
        assert orjson.loads(await ws.recv()) == {"type": "connection_ack"}
        payload = {"query": query, "variables": variables}
        await ws.send(orjson.dumps({"id": "s1", "type": "subscribe", "payload": payload}).decode())
        while True:
            yield orjson.loads(await asyncio.wait_for(ws.recv(), 20))


def _cancel(stack: Stack, token: str, order_id: str) -> None:
    cancelled = router(stack, token, "mutation ($id: ID!) { cancelOrder(id: $id) { status } }",
                       id=order_id)  # fmt: skip
    assert cancelled == {"data": {"cancelOrder": {"status": "CANCELLED"}}}, cancelled


async def test_the_owner_sees_the_cancellation_over_a_websocket(
    stack: Stack, redis_url: str, bob: str
) -> None:
    order_id = place_order_as_bob(stack, redis_url, ["p-0003"])
    messages = _subscribed(stack, bob, STATUS, {"id": order_id})
    first = asyncio.ensure_future(messages.__anext__())
    await asyncio.sleep(1.0)  # subscribed through the router to the orders subgraph
    assert not first.done()
    await asyncio.to_thread(_cancel, stack, bob, order_id)
    event = await first
    assert (event["type"], event["id"]) == ("next", "s1")
    order = event["payload"]["data"]["orderStatusChanged"]
    assert (order["id"], order["status"]) == (order_id, "CANCELLED")
    # The product's name comes from the products subgraph, as for a query.
    assert order["items"][0]["product"]["id"] == "p-0003"
    assert order["items"][0]["product"]["name"]
    await messages.aclose()


async def test_the_owner_follows_shipping_and_delivery(
    stack: Stack, redis_url: str, bob: str
) -> None:
    order_id = place_order_as_bob(stack, redis_url, ["p-0003"])
    admin = sign_in_to_mobile_app(stack.url("identity"), "admin@shopgraph.example").access_token
    messages = _subscribed(stack, bob, STATUS, {"id": order_id})
    first = asyncio.ensure_future(messages.__anext__())
    await asyncio.sleep(1.0)  # subscribed through the router to the orders subgraph
    update = "mutation ($id: ID!, $s: OrderStatus!) { updateOrderStatus(id: $id, status: $s) { status } }"  # noqa: E501
    seen = []
    for status in ("SHIPPED", "DELIVERED"):
        changed = await asyncio.to_thread(router, stack, admin, update, id=order_id, s=status)
        assert changed == {"data": {"updateOrderStatus": {"status": status}}}, changed
        event = await (first if status == "SHIPPED" else messages.__anext__())
        seen.append(event["payload"]["data"]["orderStatusChanged"]["status"])
    assert seen == ["SHIPPED", "DELIVERED"]
    refused = await asyncio.to_thread(_cancel_refused, stack, bob, order_id)
    assert refused == ["ORDER_TRANSITION"]
    await messages.aclose()


def _cancel_refused(stack: Stack, token: str, order_id: str) -> list[str]:
    body = router(stack, token, "mutation ($id: ID!) { cancelOrder(id: $id) { status } }",
                  id=order_id)  # fmt: skip
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_another_customer_gets_nothing_of_the_order(
    stack: Stack, redis_url: str, alice: str
) -> None:
    order_id = place_order_as_bob(stack, redis_url, ["p-0003"])
    messages = _subscribed(stack, alice, STATUS, {"id": order_id})
    refused = await messages.__anext__()
    assert refused["type"] in ("next", "error")
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert "NOT_FOUND" in {e["extensions"]["code"] for e in errors}
    assert refused["type"] == "error" or refused["payload"].get("data") is None
    await messages.aclose()


async def test_a_signed_out_subscriber_is_refused(stack: Stack, redis_url: str) -> None:
    async with websockets.connect(_ws_url(stack), subprotocols=[websockets.Subprotocol(
            "graphql-transport-ws")]) as ws:  # fmt: skip
        await ws.send('{"type": "connection_init"}')
        assert orjson.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": STATUS, "variables": {"id": "o-1"}}}).decode())  # fmt: skip
        message = orjson.loads(await asyncio.wait_for(ws.recv(), 20))
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [])
    assert {e["extensions"]["code"] for e in errors} & {"UNAUTHORIZED_FIELD_OR_TYPE",
                                                         "UNAUTHENTICATED"}  # fmt: skip


async def test_the_owner_sees_the_cancellation_over_server_sent_events(
    stack: Stack, redis_url: str, bob: str
) -> None:
    order_id = place_order_as_bob(stack, redis_url, ["p-0003"])
    headers = {"authorization": f"Bearer {bob}", "accept": "text/event-stream"}
    body = {"query": STATUS, "variables": {"id": order_id}}
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream(
            "POST", f"{stack.url('router')}/graphql", json=body, headers=headers
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        assert await lines.__anext__() == ": subscribed"
        cancel = asyncio.ensure_future(asyncio.to_thread(_cancel, stack, bob, order_id))
        event, data = None, None
        async for line in lines:
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: ") and event == "next":
                data = orjson.loads(line[len("data: ") :])
                break
        await cancel
    assert data is not None
    assert data["data"]["orderStatusChanged"]["status"] == "CANCELLED"


async def test_stock_changes_reach_anyone(stack: Stack, redis_url: str, bob: str) -> None:
    query = 'subscription { stockChanged(productId: "p-0005") { id stock { available } } }'
    async with websockets.connect(_ws_url(stack), subprotocols=[websockets.Subprotocol(
            "graphql-transport-ws")]) as ws:  # fmt: skip
        await ws.send('{"type": "connection_init"}')
        await ws.recv()
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe",
                                    "payload": {"query": query}}).decode())  # fmt: skip
        await asyncio.sleep(1.0)
        await asyncio.to_thread(place_order_as_bob, stack, redis_url, ["p-0005"])
        message = orjson.loads(await asyncio.wait_for(ws.recv(), 20))
    assert message["type"] == "next"
    product = message["payload"]["data"]["stockChanged"]
    assert product["id"] == "p-0005"
    assert isinstance(product["stock"]["available"], int)


CLIENTS = {"graphql-ws": "6.4.2", "graphql-sse": "2.6.1", "ws": "8.23.1", "graphql": "16.11.0"}
SCRIPT = Path(__file__).with_name("subscription_clients.mjs")


def test_graphql_ws_and_graphql_sse_clients_get_the_status_change(
    stack: Stack, redis_url: str, bob: str
) -> None:
    orders = {name: place_order_as_bob(stack, redis_url, ["p-0003"]) for name in ("ws", "sse")}
    directory = install_packages("subscription-clients/1", CLIENTS)
    seen = run_node(SCRIPT, directory, {
        "http": f"{stack.url('router')}/graphql", "ws": _ws_url(stack), "token": bob,
        "orders": orders,
    }, timeout=90)  # fmt: skip
    for name, order_id in orders.items():
        assert seen[name]["cancelled"] == {"data": {"cancelOrder": {"status": "CANCELLED"}}}
        assert seen[name]["event"] == {
            "data": {"orderStatusChanged": {"id": order_id, "status": "CANCELLED"}}
        }


def _open_subscriptions(stack: Stack) -> float:
    text = httpx.get(f"{stack.url('router')}/metrics", timeout=10).text
    line = next(row for row in text.splitlines()
                if row.startswith("shopgraph_router_open_subscriptions "))  # fmt: skip
    return float(line.split()[1])


async def test_a_vendor_sees_only_its_own_new_orders_and_lines(
    stack: Stack, redis_url: str
) -> None:
    query = "subscription { vendorOrderPlaced { id items { vendorId product { id } } } }"
    messages = _subscribed(stack, vendor_token(stack, "v-01"), query, {})
    first = asyncio.ensure_future(messages.__anext__())
    await asyncio.sleep(1.0)
    assert _open_subscriptions(stack) >= 1
    # p-0002 is v-02's: that order is none of v-01's business; p-0001 is v-01's.
    await asyncio.to_thread(place_order_as_bob, stack, redis_url, ["p-0002"])
    mixed = await asyncio.to_thread(place_order_as_bob, stack, redis_url, ["p-0001", "p-0002"])
    event = await first
    order = event["payload"]["data"]["vendorOrderPlaced"]
    assert order == {"id": mixed, "items": [{"vendorId": "v-01", "product": {"id": "p-0001"}}]}
    await messages.aclose()
    # The client gone, the router let go of the subscription (and of the subgraph's).
    deadline = asyncio.get_running_loop().time() + 10
    while _open_subscriptions(stack) > 0:
        assert asyncio.get_running_loop().time() < deadline, "the subscription stayed open"
        await asyncio.sleep(0.1)
