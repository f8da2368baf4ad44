"""A vendor's app token through the router sees only its own orders and stock: a customer's
order with lines from two vendors shows each vendor its own lines alone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from starlette.testclient import TestClient

from bff_web.app import create_app
from tests.e2e.test_web_bff import CSRF, settings, sign_in
from tests.support.stack import Stack

POLICY_PATH = "/shopgraph.onmicrosoft.com/b2c_1_signupsignin"
SCOPE = "https://shopgraph.onmicrosoft.com/shopgraph-api/.default"


def vendor_token(stack: Stack, vendor: str) -> str:
    response = httpx.post(
        f"{stack.url('identity')}{POLICY_PATH}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "scope": SCOPE},
        auth=(f"vendor-app-{vendor}", f"vendor-app-{vendor}-dev-secret"),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def router(stack: Stack, token: str, query: str, **variables: Any) -> Any:
    response = httpx.post(f"{stack.url('router')}/graphql", timeout=10,
                          json={"query": query, "variables": variables},
                          headers={"authorization": f"Bearer {token}"})  # fmt: skip
    return response.json()


def place_order_as_bob(stack: Stack, redis_url: str, products: list[str]) -> str:
    with TestClient(create_app(settings(stack, redis_url))) as web:
        sign_in(web, "bob@example.com")
        for product in products:
            added = web.post("/graphql", headers=CSRF, json={
                "query": "mutation ($p: ID!) { addToCart(productId: $p) { id } }",
                "variables": {"p": product},
            }).json()  # fmt: skip
            assert "errors" not in added, added
        placed = web.post("/graphql", headers=CSRF, json={
            "query": """mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }""",
            "variables": {"input": {
                "idempotencyKey": uuid.uuid4().hex, "payment": {"cardNumber": "4242424242424242"},
                "shipping": {"recipient": "Bob", "line1": "2 High St", "city": "Bergen",
                             "postalCode": "5003", "country": "NO"},
            }},
        }).json()  # fmt: skip
        assert "errors" not in placed, placed
        return str(placed["data"]["placeOrder"]["id"])


def test_each_vendor_sees_only_its_own_lines_and_stock(stack: Stack, redis_url: str) -> None:
    # p-0001 is sold by vendor v-01, p-0002 by v-02 (the demo catalog).
    mixed = place_order_as_bob(stack, redis_url, ["p-0001", "p-0002"])
    only_v02 = place_order_as_bob(stack, redis_url, ["p-0002"])
    v01 = vendor_token(stack, "v-01")

    listing = router(stack, v01, "{ vendorOrders(first: 50) { edges { node { id "
                                 "items { vendorId product { id } } } } } }")  # fmt: skip
    orders = {e["node"]["id"]: e["node"]["items"] for e in listing["data"]["vendorOrders"]["edges"]}
    assert mixed in orders
    assert only_v02 not in orders
    assert orders[mixed] == [{"vendorId": "v-01", "product": {"id": "p-0001"}}]

    one = "query ($id: ID!) { order(id: $id) { id items { vendorId } total { amount } } }"
    assert router(stack, v01, one, id=only_v02) == {"data": {"order": None}}
    seen = router(stack, v01, one, id=mixed)["data"]["order"]
    assert [i["vendorId"] for i in seen["items"]] == ["v-01"]

    stock = router(stack, v01, '{ a: product(id: "p-0001") { stock { available } } '
                               'b: product(id: "p-0002") { stock { available } } }')  # fmt: skip
    assert isinstance(stock["data"]["a"]["stock"]["available"], int)
    assert stock["data"]["b"]["stock"] is None
    assert [e["extensions"]["code"] for e in stock["errors"]] == ["FORBIDDEN"]

    v02 = vendor_token(stack, "v-02")
    theirs = router(stack, v02, one, id=only_v02)["data"]["order"]
    assert theirs["id"] == only_v02
