"""The demo orders on the running system: ``shopgraph dev`` seeds them, and the signed-in demo
customer's GraphiQL ``MyOrders`` finds them, in their several states, their items' names
completed from the products subgraph; each demo vendor sees lines of its own."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_vendor_scoping import router, vendor_token
from tests.support.oidc import sign_in_to_mobile_app
from tests.support.stack import Stack

EXAMPLES = Path(__file__).parents[2] / "router/http/graphiql/examples"
MY_ORDERS = (EXAMPLES / "my-orders.graphql").read_text()
VENDOR_LINES = "{ vendorOrders(first: 50) { edges { node { items { vendorId } } } } }"
ALL_MY_ORDERS = """{ me { orders(first: 50) { edges { node {
  id status history { status at } items { quantity product { name } } } } } } }"""


def test_alice_finds_her_demo_orders_in_several_states(stack: Stack) -> None:
    alice = sign_in_to_mobile_app(stack.url("identity")).access_token
    example = router(stack, alice, MY_ORDERS)
    assert "errors" not in example, example
    assert example["data"]["me"]["orders"]["edges"], "the MyOrders tab shows orders"

    body = router(stack, alice, ALL_MY_ORDERS)
    assert "errors" not in body, body
    nodes = [edge["node"] for edge in body["data"]["me"]["orders"]["edges"]]
    states = {node["status"] for node in nodes}
    assert len(states & {"PLACED", "SHIPPED", "DELIVERED", "CANCELLED"}) >= 3, states
    delivered = next(node for node in nodes if node["status"] == "DELIVERED")
    assert [h["status"] for h in delivered["history"]] == ["PLACED", "SHIPPED", "DELIVERED"]
    assert all(item["product"]["name"] for node in nodes for item in node["items"])


def test_each_demo_vendor_has_order_lines_of_its_own(stack: Stack) -> None:
    for vendor in ("v-01", "v-02"):
        listing = router(stack, vendor_token(stack, vendor), VENDOR_LINES)
        edges = listing["data"]["vendorOrders"]["edges"]
        assert edges, f"{vendor} has no orders"
        assert {i["vendorId"] for e in edges for i in e["node"]["items"]} == {vendor}
