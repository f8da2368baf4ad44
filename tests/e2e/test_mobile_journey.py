"""A customer on the mobile app, through the mobile BFF of the running system: signs in with the
provider (code + PKCE, as the app does), searches, opens a product, puts it in the cart, pays
with the sandbox card and finds the order in the history. The app sends only persisted
operation ids, never a document."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.bff_mobile.app_client import APP_VERSION, MANIFEST, SHIPPING
from tests.support.oidc import Tokens, sign_in_to_mobile_app
from tests.support.stack import Stack

SANDBOX_CARD = "4242 4242 4242 4242"


class MobileApp:
    """What the app puts on the wire: an operation id, variables, its version, its token.
    Queries go as GET (so that HTTP caches can keep them), mutations as POST."""

    def __init__(self, http: httpx.Client, tokens: Tokens) -> None:
        self.http = http
        self.tokens = tokens

    def query(self, name: str, **variables: Any) -> dict[str, Any]:
        params = {"id": MANIFEST[name], "variables": orjson.dumps(variables).decode()}
        return _data(self.http.get("/graphql", params=params, headers=self.tokens.bearer))

    def mutate(self, name: str, **variables: Any) -> dict[str, Any]:
        body = {"id": MANIFEST[name], "variables": variables}
        return _data(self.http.post("/graphql", json=body, headers=self.tokens.bearer))


def _data(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture
def app(stack: Stack) -> Iterator[MobileApp]:
    tokens = sign_in_to_mobile_app(stack.url("identity"))
    with httpx.Client(base_url=stack.url("bff_mobile"), headers=APP_VERSION, timeout=20) as http:
        yield MobileApp(http, tokens)


def test_a_customer_shops_on_the_mobile_app(app: MobileApp) -> None:
    for line in app.query("Cart")["cart"]["lines"]:  # start from an empty cart
        app.mutate("SetCartQuantity", productId=line["product"]["id"], quantity=0)

    search = app.query("Search", query="espresso machine")["search"]
    [hit] = [r for r in search["results"] if r["product"]["name"] == "Barista Espresso Machine"]
    product_id = hit["product"]["id"]

    product = app.query("Product", id=product_id, pixelDensity=3)["product"]
    assert product["stock"]["purchasable"]
    assert product["stock"]["inStock"]
    assert product["imageWidth"] == 1280

    cart = app.mutate("AddToCart", productId=product_id, quantity=1)["addToCart"]
    assert [(line["product"]["id"], line["quantity"]) for line in cart["lines"]] == [
        (product_id, 1)
    ]
    assert cart["subtotal"] == product["price"]

    key = f"mobile-{uuid.uuid4().hex}"
    order = app.mutate("Checkout", idempotencyKey=key, shipping=SHIPPING, cardNumber=SANDBOX_CARD)[
        "checkout"
    ]
    assert order["status"] == "PLACED"
    assert order["total"] == product["price"]
    assert [line["product"]["id"] for line in order["lines"]] == [product_id]
    again = app.mutate("Checkout", idempotencyKey=key, shipping=SHIPPING, cardNumber=SANDBOX_CARD)[
        "checkout"
    ]
    assert again["id"] == order["id"]  # a retry places nothing new

    assert app.query("Cart")["cart"]["lines"] == []
    history = app.query("OrderHistory")["orderHistory"]
    assert history["orders"][0]["id"] == order["id"]
    assert history["orders"][0]["lines"][0]["product"]["name"] == "Barista Espresso Machine"
