"""The orders subgraph follows the catalog's prices and vendors from the catalog stream
(PostgreSQL and Redis test servers): the next order pays the catalog's current price."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from redis.asyncio import Redis

from subgraphs.common.events import CatalogEvents, ProductSnapshot
from subgraphs.orders.catalog_follower import CatalogFollower
from subgraphs.orders.model import StockLevel
from subgraphs.orders.service import StockCache
from subgraphs.orders.store import SqlOrderStore
from tests.support.sql import postgres_database

KETTLE = ProductSnapshot(
    id="p-kettle", sku="SKU-KETTLE", name="Kettle", description="Boils water", brand="Acme",
    category_ids=["c-kitchen"], vendor_id="v-01", price_amount=2500, currency="EUR", rating=None,
    created_at="2026-01-01T00:00:00+00:00",
)  # fmt: skip


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SqlOrderStore]:
    async with postgres_database(postgres_url) as engine:
        yield SqlOrderStore(engine)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


async def test_prices_and_vendors_follow_the_catalog(store: SqlOrderStore, redis: Redis) -> None:
    stream = f"catalog:test:{uuid.uuid4().hex[:8]}"
    await store.save_stock([StockLevel("p-kettle", "v-01", 1999, "EUR", 7)])
    await StockCache(redis).put_many([StockLevel("p-kettle", "v-01", 1999, "EUR", 7)])
    events = CatalogEvents(redis, stream=stream)
    await events.product_changed(KETTLE, "price")
    await events.product_changed(replace(KETTLE, id="p-new", sku="SKU-NEW", vendor_id="v-02"),
                                 "created")  # fmt: skip
    await redis.xadd(stream, {"type": "CatalogChanged", "snapshot": "{broken"})
    follower = CatalogFollower(redis, store, consumer="test", stream=stream,
                               dead_letter_stream=f"{stream}:dead")  # fmt: skip
    await follower.consumer.ensure_group()
    assert await follower.consumer.poll() == 3

    kettle, new = await store.stock_levels(["p-kettle", "p-new"])
    assert kettle == StockLevel("p-kettle", "v-01", 2500, "EUR", 7), "stock kept, price followed"
    assert new == StockLevel("p-new", "v-02", 2500, "EUR", 0), "new products start with none"
    assert await StockCache(redis).get_many(["p-kettle"]) == [None], "the cached level dropped"
    dead = await redis.xrange(f"{stream}:dead") or []
    assert [str((fields or {}).get("error", "")).split(":")[0] for _, fields in dead] == [
        "JSONDecodeError"
    ]
    assert await redis.xpending(stream, "orders-catalog") == {
        "pending": 0,
        "min": None,
        "max": None,
        "consumers": [],
    }


async def test_a_price_of_an_older_revision_never_replaces_a_newer_one(
    store: SqlOrderStore, redis: Redis
) -> None:
    """A writer's events can reach the stream out of order, and two orders instances can take
    a product's events in either order: the newest revision's price stays."""
    stream = f"catalog:test:{uuid.uuid4().hex[:8]}"
    await store.save_stock([StockLevel("p-kettle", "v-01", 1999, "EUR", 7)])
    events = CatalogEvents(redis, stream=stream)
    follower = CatalogFollower(redis, store, consumer="test", stream=stream,
                               dead_letter_stream=f"{stream}:dead")  # fmt: skip
    await follower.consumer.ensure_group()
    await events.product_changed(replace(KETTLE, price_amount=3000, revision=7), "price")
    await events.product_changed(replace(KETTLE, price_amount=2800, revision=6), "price")
    assert await follower.consumer.poll() == 2
    assert await store.stock_levels(["p-kettle"]) == [
        StockLevel("p-kettle", "v-01", 3000, "EUR", 7)
    ]
    await events.product_changed(replace(KETTLE, price_amount=2600, revision=5), "price")
    assert await follower.consumer.poll() == 1
    assert await store.stock_levels(["p-kettle"]) == [
        StockLevel("p-kettle", "v-01", 3000, "EUR", 7)
    ]
    await events.product_changed(replace(KETTLE, price_amount=3200, revision=8), "price")
    assert await follower.consumer.poll() == 1
    assert await store.stock_levels(["p-kettle"]) == [
        StockLevel("p-kettle", "v-01", 3200, "EUR", 7)
    ]
