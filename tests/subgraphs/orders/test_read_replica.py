"""Which reads the orders subgraph sends to a read replica, on the PostgreSQL test server.

The "replica" is a second database with different orders in it, so each answer shows where it
was read: history pages of a query come from the replica; ``order(id)``, and everything inside
a mutation, from the primary. Without a replica, everything is read from the primary.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis import Redis as SyncRedis
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.testclient import TestClient

from datastores.settings import StoreSettings
from datastores.sql import sql_replica_engine
from subgraphs.orders.app import create_app, open_store
from subgraphs.orders.model import CartLine, StockLevel
from subgraphs.orders.store import SqlOrderStore, new_order_id
from tests.support.sql import postgres_database_url
from tests.support.tokens import CUSTOMER, VENDOR_1, verifier

HISTORY = """query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on User { orders { edges { node { id } } } } } }"""
PLACE = """mutation ($key: String!) {
  placeOrder(input: {idempotencyKey: $key, payment: {cardNumber: "4242424242424242"},
    shipping: {recipient: "Alice", line1: "1 Main St", city: "Oslo", postalCode: "0150",
               country: "NO"}}) {
    id user { orders { edges { node { id } } } }
  }
}"""


class Shop:
    def __init__(self, client: TestClient, product: str, replica_order: str) -> None:
        self.client = client
        self.product = product
        self.replica_order = replica_order
        """An order only the replica holds (for u-customer, with a line of vendor v-1)."""

    def post(self, query: str, headers: dict[str, str], **variables: Any) -> Any:
        body = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        ).json()
        assert "errors" not in body, body
        return body["data"]

    def place(self) -> dict[str, Any]:
        self.post("mutation ($p: ID!) { addToCart(productId: $p) { id } }", CUSTOMER,
                  p=self.product)  # fmt: skip
        placed: dict[str, Any] = self.post(PLACE, CUSTOMER, key=uuid.uuid4().hex)["placeOrder"]
        return placed

    def history(self) -> list[str]:
        data = self.post(HISTORY, CUSTOMER, r=[{"__typename": "User", "id": "u-customer"}])
        return [edge["node"]["id"] for edge in data["_entities"][0]["orders"]["edges"]]

    def vendor_orders(self) -> list[str]:
        data = self.post("{ vendorOrders { edges { node { id } } } }", VENDOR_1)
        return [edge["node"]["id"] for edge in data["vendorOrders"]["edges"]]

    def order(self, order_id: str) -> str | None:
        found = self.post("query ($id: ID!) { order(id: $id) { id } }", CUSTOMER, id=order_id)
        return None if found["order"] is None else str(found["order"]["id"])


async def _stock_and_one_order(url: str, product: str, order_id: str | None) -> None:
    store = SqlOrderStore(create_async_engine(url))
    await store.save_stock([StockLevel(product, "v-1", 1500, "EUR", 20)])
    if order_id is not None:
        await store.place_order(
            user_id="u-customer", idempotency_key=f"replica-{order_id}",
            lines=[CartLine(product, 1)], shipping={"country": "NO"},
            payment_reference="pay-replica", now=datetime.now(UTC), order_id=order_id,
        )  # fmt: skip
    await store.close()


def _shop(postgres_url: str, redis_url: str, *, with_replica: bool) -> Iterator[Shop]:
    product = f"p-{uuid.uuid4().hex[:8]}"
    # Older than anything placed during the test, so pages order the same on both databases.
    replica_order = new_order_id(datetime.now(UTC) - timedelta(hours=1))
    with SyncRedis.from_url(redis_url) as redis:
        redis.delete("cart:user:u-customer", "cart-version:{cart:user:u-customer}",
                     "cart-order:{cart:user:u-customer}")  # fmt: skip
    with (
        postgres_database_url(postgres_url) as primary,
        postgres_database_url(postgres_url) as replica,
    ):
        asyncio.run(_stock_and_one_order(primary, product, None))
        asyncio.run(_stock_and_one_order(replica, product, replica_order))
        stores = StoreSettings(postgres_url=primary,
                               postgres_replica_url=replica if with_replica else None)  # fmt: skip
        app = create_app(open_orders=lambda: open_store(stores), redis_url=redis_url,
                         verifier=verifier(), run_relay=False, follow_catalog=False)  # fmt: skip
        with TestClient(app) as client:
            yield Shop(client, product, replica_order)


@pytest.fixture
def shop(postgres_url: str, redis_url: str) -> Iterator[Shop]:
    yield from _shop(postgres_url, redis_url, with_replica=True)


@pytest.fixture
def primary_only(postgres_url: str, redis_url: str) -> Iterator[Shop]:
    yield from _shop(postgres_url, redis_url, with_replica=False)


def test_history_pages_of_a_query_are_read_from_the_replica(shop: Shop) -> None:
    assert shop.history() == [shop.replica_order]
    assert shop.vendor_orders() == [shop.replica_order]
    placed = shop.place()
    # The replica never receives it (it is no replica in truth): the pages keep reading there.
    assert shop.history() == [shop.replica_order]
    assert shop.vendor_orders() == [shop.replica_order]
    assert placed["id"] != shop.replica_order


def test_a_just_placed_order_is_read_from_the_primary(shop: Shop) -> None:
    placed = shop.place()
    # Inside the mutation, the user's history is read from the primary: it has the new order.
    assert [e["node"]["id"] for e in placed["user"]["orders"]["edges"]] == [placed["id"]]
    # order(id) right after placing reads the primary, which has it and not the replica's.
    assert shop.order(placed["id"]) == placed["id"]
    assert shop.order(shop.replica_order) is None


def test_without_a_replica_everything_is_read_from_the_primary(primary_only: Shop) -> None:
    assert primary_only.history() == []
    placed = primary_only.place()
    assert primary_only.history() == [placed["id"]]
    assert primary_only.vendor_orders() == [placed["id"]]
    assert primary_only.order(placed["id"]) == placed["id"]


def test_the_replica_is_ignored_without_a_primary_url_and_refused_alone(tmp_path: Any) -> None:
    assert sql_replica_engine(StoreSettings(data_dir=tmp_path)) is None
    with pytest.raises(ValueError, match="SHOPGRAPH_POSTGRES_REPLICA_URL is set without"):
        StoreSettings(postgres_replica_url="postgresql://127.0.0.1/replica")
