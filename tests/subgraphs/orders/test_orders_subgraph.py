"""The orders subgraph over HTTP on the PostgreSQL and Redis test servers: carts, placing and
cancelling orders, stock, the outbox relay, and vendor scoping by every path a query can take.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from redis import Redis as SyncRedis
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.testclient import TestClient

from subgraphs.orders.app import create_app
from subgraphs.orders.model import StockLevel
from subgraphs.orders.store import ORDER_EVENTS_STREAM, SqlOrderStore
from tests.support.sql import postgres_database_url
from tests.support.tokens import ADMIN, CUSTOMER, VENDOR_1, VENDOR_2, bearer, verifier

OTHER_CUSTOMER = bearer("u-other", roles=("customer",))
PLACE = """mutation ($key: String!, $card: String! = "4242424242424242") {
  placeOrder(input: {idempotencyKey: $key, payment: {cardNumber: $card},
    shipping: {recipient: "Alice", line1: "1 Main St", city: "Oslo", postalCode: "0150",
               country: "no"}}) {
    id status total { amount currency } items { product { id } vendorId quantity }
  }
}"""
ENTITIES = "query ($r: [_Any!]!) { _entities(representations: $r) { __typename %s } }"


class Subgraph:
    def __init__(self, client: TestClient, products: dict[str, str]) -> None:
        self.client = client
        self.products = products  # "a" -> vendor v-1's product id, "b" -> vendor v-2's

    def post(self, query: str, headers: dict[str, str] | None = None, **variables: Any) -> Any:
        response = self.client.post("/graphql", json={"query": query, "variables": variables},
                                    headers=headers or {})  # fmt: skip
        return response.json()

    def order(self, headers: dict[str, str], *lines: tuple[str, int]) -> dict[str, Any]:
        for product, quantity in lines:
            added = self.post("mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, "
                              "quantity: $q) { id } }", headers, p=self.products[product],
                              q=quantity)  # fmt: skip
            assert "errors" not in added, added
        body = self.post(PLACE, headers, key=f"key-{uuid.uuid4().hex}")
        assert "errors" not in body, body
        order: dict[str, Any] = body["data"]["placeOrder"]
        return order


@pytest.fixture
def subgraph(postgres_url: str, redis_url: str) -> Iterator[Subgraph]:
    suffix = uuid.uuid4().hex[:6]
    products = {"a": f"p-a-{suffix}", "b": f"p-b-{suffix}"}
    carts = [f"cart:user:{user}" for user in ("u-customer", "u-other", "u-admin")]
    with SyncRedis.from_url(redis_url) as redis:
        redis.delete(ORDER_EVENTS_STREAM, *carts, *(f"cart-version:{{{c}}}" for c in carts),
                     *(f"cart-order:{{{c}}}" for c in carts))  # fmt: skip
    with postgres_database_url(postgres_url) as database_url:

        async def open_orders() -> SqlOrderStore:
            store = SqlOrderStore(create_async_engine(database_url))
            await store.save_stock([StockLevel(products["a"], "v-1", 1500, "EUR", 20),
                                    StockLevel(products["b"], "v-2", 700, "EUR", 20)])  # fmt: skip
            return store

        app = create_app(open_orders=open_orders, redis_url=redis_url, verifier=verifier())
        with TestClient(app) as client:
            yield Subgraph(client, products)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_a_customer_orders_from_the_cart_and_sees_it(subgraph: Subgraph) -> None:
    order = subgraph.order(CUSTOMER, ("a", 2), ("b", 1))
    assert order["status"] == "PLACED"
    assert order["total"] == {"amount": 3700, "currency": "EUR"}
    assert subgraph.post("{ cart { items { quantity } } }", CUSTOMER) == {
        "data": {"cart": {"items": []}}
    }
    mine = subgraph.post(
        ENTITIES % "... on User { orders { edges { node { id shipping { country } } } } }",
        CUSTOMER, r=[{"__typename": "User", "id": "u-customer"}],
    )  # fmt: skip
    [edge] = mine["data"]["_entities"][0]["orders"]["edges"]
    assert edge["node"] == {"id": order["id"], "shipping": {"country": "NO"}}
    product_a = [{"__typename": "Product", "id": subgraph.products["a"]}]
    stock = subgraph.post(ENTITIES % "... on Product { stock { available inStock } }",
                          CUSTOMER, r=product_a)  # fmt: skip
    assert stock["data"]["_entities"] == [
        {"__typename": "Product", "stock": {"available": 18, "inStock": True}}
    ]


def test_a_cart_ordered_with_one_key_is_refused_to_another(subgraph: Subgraph) -> None:
    first = subgraph.order(CUSTOMER, ("a", 1))
    second = subgraph.post(PLACE, CUSTOMER, key=f"key-{uuid.uuid4().hex}")
    assert codes(second) == ["CART_ALREADY_ORDERED"]
    assert second["data"] is None
    [error] = second["errors"]
    assert "another idempotency key" in error["message"]
    mine = subgraph.post(ENTITIES % "... on User { orders { edges { node { id } } } }", CUSTOMER,
                         r=[{"__typename": "User", "id": "u-customer"}])  # fmt: skip
    assert [e["node"]["id"] for e in mine["data"]["_entities"][0]["orders"]["edges"]] == [
        first["id"]
    ]


def test_the_outbox_relay_publishes_order_events(subgraph: Subgraph, redis_url: str) -> None:
    order = subgraph.order(CUSTOMER, ("a", 1))
    cancelled = subgraph.post('mutation ($id: ID!) { cancelOrder(id: $id) { status } }',
                              CUSTOMER, id=order["id"])  # fmt: skip
    assert cancelled == {"data": {"cancelOrder": {"status": "CANCELLED"}}}
    import time

    deadline = time.monotonic() + 5
    with SyncRedis.from_url(redis_url, decode_responses=True) as redis:
        while time.monotonic() < deadline:
            events = [fields for _, fields in redis.xrange(ORDER_EVENTS_STREAM)]
            if len(events) >= 2:
                break
            time.sleep(0.05)
    assert [(e["type"], orjson.loads(e["payload"])["order_id"]) for e in events] == [
        ("OrderPlaced", order["id"]), ("OrderCancelled", order["id"]),
    ]  # fmt: skip


def test_bad_input_gets_clear_errors(subgraph: Subgraph) -> None:
    assert codes(subgraph.post(PLACE, key="short")) == ["UNAUTHENTICATED"]
    assert codes(subgraph.post(PLACE, CUSTOMER, key="short")) == ["BAD_USER_INPUT"]
    assert codes(subgraph.post(PLACE, CUSTOMER, key="k" * 20)) == ["BAD_USER_INPUT"]  # empty
    assert codes(subgraph.post(PLACE, CUSTOMER, key="k" * 20, card="1234")) == ["BAD_USER_INPUT"]
    add = "mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { id } }"
    assert codes(subgraph.post(add, CUSTOMER, p="nope", q=1)) == ["NOT_FOUND"]
    assert codes(subgraph.post(add, CUSTOMER, p=subgraph.products["a"], q=0)) == ["BAD_USER_INPUT"]
    assert codes(subgraph.post(add, CUSTOMER, p={"$gt": ""}, q=1)) == ["BAD_USER_INPUT"]
    declined = subgraph.post(add, CUSTOMER, p=subgraph.products["a"], q=1)
    assert "errors" not in declined
    body = subgraph.post(PLACE, CUSTOMER, key="k" * 20, card="4000000000000002")
    assert codes(body) == ["PAYMENT_DECLINED"]
    assert codes(subgraph.post('{ cart(id: "user:u-other") { id } }', CUSTOMER)) == ["FORBIDDEN"]


def test_anonymous_cart_merges_on_sign_in(subgraph: Subgraph) -> None:
    cart = subgraph.post("mutation { createCart { id } }")["data"]["createCart"]["id"]
    add = "mutation ($c: ID!, $p: ID!) { addToCart(cartId: $c, productId: $p, quantity: 2) { id } }"
    assert "errors" not in subgraph.post(add, c=cart, p=subgraph.products["a"])
    merged = subgraph.post('mutation ($c: ID!) { mergeCart(anonymousCartId: $c) { id items '
                           '{ product { id } quantity } } }', OTHER_CUSTOMER, c=cart)  # fmt: skip
    assert merged["data"]["mergeCart"] == {
        "id": "user:u-other", "items": [{"product": {"id": subgraph.products["a"]}, "quantity": 2}],
    }  # fmt: skip
    anonymous = subgraph.post("query ($c: ID!) { cart(id: $c) { items { quantity } } }", c=cart)
    assert anonymous == {"data": {"cart": {"items": []}}}


def test_a_vendor_cannot_reach_another_vendors_orders_or_stock(subgraph: Subgraph) -> None:
    """Vendor v-1 against vendor v-2's data, by every path: root fields, entities, mutations."""
    only_b = subgraph.order(CUSTOMER, ("b", 1))
    mixed = subgraph.order(OTHER_CUSTOMER, ("a", 1), ("b", 3))
    order_fields = "id items { product { id } vendorId quantity } total { amount }"

    # Root field: an order with none of v-1's lines is not there; a mixed one shows v-1's lines.
    root = "query ($id: ID!) { order(id: $id) { " + order_fields + " } }"
    assert subgraph.post(root, VENDOR_1, id=only_b["id"]) == {"data": {"order": None}}
    seen = subgraph.post(root, VENDOR_1, id=mixed["id"])["data"]["order"]
    assert [i["vendorId"] for i in seen["items"]] == ["v-1"]
    assert seen["total"] == {"amount": 1500}, "a vendor's total covers its own lines only"

    # _entities straight to the subgraph, as a router would call it.
    entities = subgraph.post(ENTITIES % f"... on Order {{ {order_fields} }}", VENDOR_1,
                             r=[{"__typename": "Order", "id": only_b["id"]},
                                {"__typename": "Order", "id": mixed["id"]}])  # fmt: skip
    assert entities["data"]["_entities"][0] is None
    assert [i["vendorId"] for i in entities["data"]["_entities"][1]["items"]] == ["v-1"]

    # The vendor listing shows v-1's orders and lines only.
    listing = subgraph.post("{ vendorOrders { edges { node { id items { vendorId } } } } }",
                            VENDOR_1)["data"]["vendorOrders"]["edges"]  # fmt: skip
    assert [e["node"]["id"] for e in listing] == [mixed["id"]]
    assert all(i["vendorId"] == "v-1" for e in listing for i in e["node"]["items"])

    # A customer's order history, through the User entity.
    history = subgraph.post(ENTITIES % "... on User { orders { edges { node { id } } } }",
                            VENDOR_1, r=[{"__typename": "User", "id": "u-customer"}])  # fmt: skip
    assert codes(history) == ["FORBIDDEN"]

    # Stock: read and write of the other vendor's product.
    product_b = [{"__typename": "Product", "id": subgraph.products["b"]}]
    stock = subgraph.post(ENTITIES % "... on Product { stock { available } }", VENDOR_1,
                          r=product_b)  # fmt: skip
    assert codes(stock) == ["FORBIDDEN"]
    assert stock["data"]["_entities"] == [{"__typename": "Product", "stock": None}]
    write = "mutation ($p: ID!) { setStock(productId: $p, available: 1000) { available } }"
    assert codes(subgraph.post(write, VENDOR_1, p=subgraph.products["b"])) == ["FORBIDDEN"]
    assert codes(subgraph.post(write, CUSTOMER, p=subgraph.products["b"])) == ["FORBIDDEN"]

    # Its own product's stock it reads and writes; v-2 and admins see everything.
    own = subgraph.post(write, VENDOR_1, p=subgraph.products["a"])
    assert own == {"data": {"setStock": {"available": 1000}}}
    assert subgraph.post(root, VENDOR_2, id=only_b["id"])["data"]["order"]["id"] == only_b["id"]
    assert len(subgraph.post(root, ADMIN, id=mixed["id"])["data"]["order"]["items"]) == 2
    assert subgraph.post(root, CUSTOMER, id=mixed["id"]) == {"data": {"order": None}}


def test_cached_stock_follows_every_change(subgraph: Subgraph, redis_url: str) -> None:
    product = [{"__typename": "Product", "id": subgraph.products["a"]}]
    read = ENTITIES % "... on Product { stock { available } }"

    def available() -> int:
        body = subgraph.post(read, CUSTOMER, r=product)
        return int(body["data"]["_entities"][0]["stock"]["available"])

    assert available() == 20
    with SyncRedis.from_url(redis_url, decode_responses=True) as redis:
        assert redis.exists(f"stock:{subgraph.products['a']}"), "the read was cached"
    write = "mutation ($p: ID!, $n: Int!) { setStock(productId: $p, available: $n) { available } }"
    assert "errors" not in subgraph.post(write, VENDOR_1, p=subgraph.products["a"], n=5)
    assert available() == 5, "setStock invalidates the cache"
    order = subgraph.order(CUSTOMER, ("a", 2))
    assert available() == 3, "placing an order invalidates the cache"
    subgraph.post("mutation ($id: ID!) { cancelOrder(id: $id) { id } }", CUSTOMER, id=order["id"])
    assert available() == 5, "cancelling invalidates the cache"
    assert codes(subgraph.post(write, VENDOR_1, p=subgraph.products["a"], n=-1)) == [
        "BAD_USER_INPUT"
    ]


def test_a_delegated_token_does_only_what_its_scopes_allow(subgraph: Subgraph) -> None:
    order = subgraph.order(CUSTOMER, ("a", 1))
    read_only = bearer("u-customer", roles=("customer",), scp="orders.read")
    assert codes(subgraph.post(PLACE, read_only, key="k" * 20)) == ["FORBIDDEN"]
    cancel = "mutation ($id: ID!) { cancelOrder(id: $id) { status } }"
    assert codes(subgraph.post(cancel, read_only, id=order["id"])) == ["FORBIDDEN"]
    root = "query ($id: ID!) { order(id: $id) { id } }"
    assert subgraph.post(root, read_only, id=order["id"]) == {
        "data": {"order": {"id": order["id"]}}
    }
    no_orders = bearer("u-customer", roles=("customer",), scp="profile.read")
    assert codes(subgraph.post(root, no_orders, id=order["id"])) == ["FORBIDDEN"]
    # A vendor app's client-credentials token has no scp: its role is its permission.
    vendor_app = bearer("vendor-app-v-1", roles=("vendor",), vendor_id="v-1", scp=None)
    write = "mutation ($p: ID!) { setStock(productId: $p, available: 3) { available } }"
    assert subgraph.post(write, vendor_app, p=subgraph.products["a"]) == {
        "data": {"setStock": {"available": 3}}
    }
    staff_without_catalog = bearer("u-vera", roles=("vendor",), vendor_id="v-1", scp="orders.read")
    assert codes(subgraph.post(write, staff_without_catalog, p=subgraph.products["a"])) == [
        "FORBIDDEN"
    ]


UPDATE_STATUS = """mutation ($id: ID!, $status: OrderStatus!) {
  updateOrderStatus(id: $id, status: $status) { id status history { status note } }
}"""


def test_admins_ship_and_deliver_orders(subgraph: Subgraph, redis_url: str) -> None:
    order = subgraph.order(CUSTOMER, ("a", 1), ("b", 1))
    shipped = subgraph.post(UPDATE_STATUS, ADMIN, id=order["id"], status="SHIPPED")
    assert shipped["data"]["updateOrderStatus"]["status"] == "SHIPPED"
    cancel = "mutation ($id: ID!) { cancelOrder(id: $id) { status } }"
    refused = subgraph.post(cancel, CUSTOMER, id=order["id"])
    assert codes(refused) == ["ORDER_TRANSITION"]
    assert "shipped order can no longer be cancelled" in refused["errors"][0]["message"]
    delivered = subgraph.post(UPDATE_STATUS, ADMIN, id=order["id"], status="DELIVERED")
    assert delivered["data"]["updateOrderStatus"]["history"] == [
        {"status": "PLACED", "note": "order placed"},
        {"status": "SHIPPED", "note": "handed to the carrier"},
        {"status": "DELIVERED", "note": "delivered to the customer"},
    ]
    mine = subgraph.post("query ($id: ID!) { order(id: $id) { status } }", CUSTOMER,
                         id=order["id"])  # fmt: skip
    assert mine == {"data": {"order": {"status": "DELIVERED"}}}
    assert _event_types(redis_url, 3) == ["OrderPlaced", "OrderShipped", "OrderDelivered"], (
        "each change is published for orderStatusChanged"
    )


def test_only_admins_change_a_status_and_only_along_the_lifecycle(subgraph: Subgraph) -> None:
    order = subgraph.order(CUSTOMER, ("a", 1))
    for viewer in (CUSTOMER, VENDOR_1):
        assert codes(subgraph.post(UPDATE_STATUS, viewer, id=order["id"],
                                   status="SHIPPED")) == ["FORBIDDEN"]  # fmt: skip
    assert codes(subgraph.post(UPDATE_STATUS, None, id=order["id"], status="SHIPPED")) == [
        "UNAUTHENTICATED"
    ]
    for status in ("DELIVERED", "PLACED"):
        refused = subgraph.post(UPDATE_STATUS, ADMIN, id=order["id"], status=status)
        assert codes(refused) == ["ORDER_TRANSITION"], refused
    assert codes(subgraph.post(UPDATE_STATUS, ADMIN, id="o-none", status="SHIPPED")) == [
        "NOT_FOUND"
    ]
    cancelled = subgraph.post(UPDATE_STATUS, ADMIN, id=order["id"], status="CANCELLED")
    assert cancelled["data"]["updateOrderStatus"]["history"][-1] == {
        "status": "CANCELLED",
        "note": "cancelled by an admin",
    }
    stock = subgraph.post(ENTITIES % "... on Product { stock { available } }", ADMIN,
                          r=[{"__typename": "Product", "id": subgraph.products["a"]}])  # fmt: skip
    assert stock["data"]["_entities"][0]["stock"] == {"available": 20}, "cancelling released it"
    shipped = subgraph.post(UPDATE_STATUS, ADMIN, id=order["id"], status="SHIPPED")
    assert codes(shipped) == ["ORDER_TRANSITION"]
    assert "final" in shipped["errors"][0]["message"]


def _event_types(redis_url: str, at_most: int) -> list[str]:
    """The order events' types once the relay has published ``at_most``, or after 5 s."""
    import time

    deadline = time.monotonic() + 5
    with SyncRedis.from_url(redis_url, decode_responses=True) as redis:
        while True:
            types = [fields["type"] for _, fields in redis.xrange(ORDER_EVENTS_STREAM)]
            if len(types) >= at_most or time.monotonic() > deadline:
                return types
            time.sleep(0.05)
