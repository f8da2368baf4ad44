"""Carts and the stock cache on Redis and on the embedded fakeredis: they behave the same."""

from __future__ import annotations

from collections.abc import AsyncIterator

import fakeredis
import pytest
from redis.asyncio import Redis

from subgraphs.orders.carts import MAX_QUANTITY, CartError, Carts, new_cart_id, user_cart_id
from subgraphs.orders.model import CartLine, StockLevel
from subgraphs.orders.service import StockCache
from subgraphs.users.store import RecentlyViewed


@pytest.fixture(params=["redis", "fakeredis"])
async def redis(request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
    client: Redis
    if request.param == "redis":
        client = Redis.from_url(request.getfixturevalue("redis_url"), decode_responses=True)
    else:
        client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    yield client
    await client.aclose()


async def test_cart_lines_add_set_and_remove(redis: Redis) -> None:
    carts, cart = Carts(redis), new_cart_id()
    await carts.add(cart, "p-2", 1)
    await carts.add(cart, "p-1", 2)
    assert await carts.add(cart, "p-2", 3) == [CartLine("p-1", 2), CartLine("p-2", 4)]
    assert await carts.set_quantity(cart, "p-1", 0) == [CartLine("p-2", 4)]
    assert await carts.add(cart, "p-2", 500) == [CartLine("p-2", MAX_QUANTITY)]
    with pytest.raises(CartError):
        await carts.set_quantity(cart, "p-2", -1)
    assert 0 < await redis.ttl(f"cart:{cart}") <= 30 * 24 * 3600


async def test_merge_moves_the_anonymous_cart_into_the_users(redis: Redis) -> None:
    carts, anonymous = Carts(redis), new_cart_id()
    await carts.add(user_cart_id("u-1"), "p-1", 1)
    await carts.add(anonymous, "p-1", 2)
    await carts.add(anonymous, "p-3", 1)
    assert await carts.merge(anonymous, "u-1") == [CartLine("p-1", 3), CartLine("p-3", 1)]
    assert await carts.lines(anonymous) == []
    await carts.clear(user_cart_id("u-1"))
    assert await carts.lines(user_cart_id("u-1")) == []


async def test_stock_cache_round_trip_and_invalidation(redis: Redis) -> None:
    cache = StockCache(redis)
    level = StockLevel("p-cache-1", "v-1", 100, "EUR", 7)
    assert await cache.get_many(["p-cache-1"]) == [None]
    await cache.put_many([level])
    assert await cache.get_many(["p-cache-1", "p-cache-2"]) == [level, None]
    await cache.invalidate(["p-cache-1"])
    assert await cache.get_many(["p-cache-1"]) == [None]


async def test_recently_viewed_keeps_the_newest_twenty_without_repeats(redis: Redis) -> None:
    viewed = RecentlyViewed(redis)
    for n in range(25):
        await viewed.record("u-viewer", f"p-{n}")
    await viewed.record("u-viewer", "p-10")
    seen = await viewed.list("u-viewer", 20)
    assert seen[:3] == ["p-10", "p-24", "p-23"]
    assert len(seen) == 20
    assert len(set(seen)) == 20
