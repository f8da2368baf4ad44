"""The demo orders seeded with the catalog: placed once however often seeding runs, dated back
from the moment of seeding, reserving stock as any order does, and seen by their customers
through the orders subgraph in each of their states."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.testclient import TestClient

from datastores.seed import DEMO_ORDERS, SeedOrder, build_catalog
from shopgraph.catalog import seed_inventory, seed_orders
from subgraphs.orders.app import create_app
from subgraphs.orders.model import Order, OrderStatus, StockLevel
from subgraphs.orders.store import SqlOrderStore
from tests.support.sql import postgres_database_url
from tests.support.tokens import bearer, verifier

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
CATALOG = build_catalog(60)


async def all_demo_orders(store: SqlOrderStore) -> list[Order]:
    found = [await store.order_for_key(o.user_id, o.key) for o in DEMO_ORDERS]
    assert None not in found
    return [o for o in found if o is not None]


async def test_seeding_twice_gives_the_same_orders(order_store: SqlOrderStore) -> None:
    await seed_inventory(order_store, CATALOG)
    stock_before = {p.product_id: p.available for p in await _levels(order_store)}
    assert await seed_orders(order_store, CATALOG, NOW) == (len(DEMO_ORDERS), 0)
    first = await all_demo_orders(order_store)
    later = NOW + timedelta(days=3)
    assert await seed_orders(order_store, CATALOG, later) == (0, len(DEMO_ORDERS))
    assert await all_demo_orders(order_store) == first, "nothing placed or changed again"
    assert len((await order_store.orders_for_user("u-alice", 50, None)).items) == 4
    assert len((await order_store.orders_for_user("u-bob", 50, None)).items) == 2

    reserved: Counter[str] = Counter()
    for order in first:
        if order.status is not OrderStatus.CANCELLED:
            reserved.update({i.product_id: i.quantity for i in order.items})
    for level in await _levels(order_store):
        assert level.available == stock_before[level.product_id] - reserved[level.product_id]


async def test_demo_orders_are_dated_back_from_the_seeding(order_store: SqlOrderStore) -> None:
    await seed_inventory(order_store, CATALOG)
    await seed_orders(order_store, CATALOG, NOW)
    by_key = dict(zip([o.key for o in DEMO_ORDERS], await all_demo_orders(order_store),
                      strict=True))  # fmt: skip
    assert {key: o.status.value for key, o in by_key.items()} == {
        "demo-alice-1": "DELIVERED", "demo-alice-2": "CANCELLED", "demo-alice-3": "SHIPPED",
        "demo-alice-4": "PLACED", "demo-bob-1": "DELIVERED", "demo-bob-2": "PLACED",
    }  # fmt: skip
    delivered = by_key["demo-alice-1"]
    assert delivered.created_at == NOW - timedelta(days=38)
    assert [(h.status, NOW - h.at) for h in delivered.history] == [
        (OrderStatus.PLACED, timedelta(days=38)), (OrderStatus.SHIPPED, timedelta(days=37)),
        (OrderStatus.DELIVERED, timedelta(days=34)),
    ]  # fmt: skip
    assert all(h.at < NOW for o in by_key.values() for h in o.history)
    vendors = {item.vendor_id for o in by_key.values() for item in o.items}
    assert {"v-01", "v-02"} <= vendors
    for vendor in ("v-01", "v-02"):
        assert (await order_store.lines_for_vendor(vendor, 50, None)).items
    newest_first = (await order_store.orders_for_user("u-alice", 50, None)).items
    assert [o.created_at for o in newest_first] == sorted(
        (o.created_at for o in newest_first), reverse=True
    ), "the ids sort by the dates the orders were placed on"


async def test_an_order_without_stock_is_left_out(order_store: SqlOrderStore) -> None:
    await seed_inventory(order_store, CATALOG)
    await order_store.set_available("p-0013", 0, NOW)
    greedy = SeedOrder("demo-x-1", "u-x", [("p-0013", 1)], {}, timedelta(days=1))
    missing = SeedOrder("demo-x-2", "u-x", [("p-9999", 1)], {}, timedelta(days=1))
    assert await seed_orders(order_store, CATALOG, NOW, [greedy, missing]) == (0, 0)
    [level] = await order_store.stock_levels(["p-0013"])
    assert level is not None
    assert level.available == 0


@pytest.fixture
def seeded_subgraph(postgres_url: str, redis_url: str) -> Iterator[TestClient]:
    with postgres_database_url(postgres_url) as database_url:

        async def open_orders() -> SqlOrderStore:
            store = SqlOrderStore(create_async_engine(database_url))
            await seed_inventory(store, CATALOG)
            await seed_orders(store, CATALOG, datetime.now(UTC))
            return store

        app = create_app(open_orders=open_orders, redis_url=redis_url, verifier=verifier())
        with TestClient(app) as client:
            yield client


def test_alice_sees_her_orders_in_their_several_states(seeded_subgraph: TestClient) -> None:
    query = """query ($r: [_Any!]!) { _entities(representations: $r) { ... on User {
      orders { edges { node { status history { status at } items { vendorId quantity } } } }
    } } }"""
    alice = bearer("u-alice", roles=("customer",))
    variables = {"r": [{"__typename": "User", "id": "u-alice"}]}
    response = seeded_subgraph.post("/graphql", headers=alice,
                                    json={"query": query, "variables": variables})  # fmt: skip
    body = response.json()
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["_entities"][0]["orders"]["edges"]]
    assert [n["status"] for n in nodes] == ["PLACED", "SHIPPED", "CANCELLED", "DELIVERED"]
    assert [h["status"] for h in nodes[-1]["history"]] == ["PLACED", "SHIPPED", "DELIVERED"]
    assert all(item["quantity"] >= 1 for n in nodes for item in n["items"])


async def _levels(store: SqlOrderStore) -> list[StockLevel]:
    levels = await store.stock_levels([p.id for p in CATALOG.products])
    return [level for level in levels if level is not None]
