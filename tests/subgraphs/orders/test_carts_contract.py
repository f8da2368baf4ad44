"""Carts and the stock cache on Redis and on the embedded fakeredis: they behave the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import fakeredis
import pytest
from redis.asyncio import Redis

from subgraphs.orders.carts import (
    MAX_QUANTITY,
    ORDERED_SECONDS,
    PLACING_SECONDS,
    CartError,
    Carts,
    ClaimOutcome,
    new_cart_id,
    user_cart_id,
)
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


async def test_every_change_to_a_cart_is_a_new_version(redis: Redis) -> None:
    carts, cart, other = Carts(redis), new_cart_id(), new_cart_id()
    assert await carts.version(cart) == 0
    await carts.add(cart, "p-1", 1)
    await carts.set_quantity(cart, "p-1", 3)
    await carts.set_quantity(cart, "p-1", 0)
    assert await carts.version(cart) == 3
    await carts.add(other, "p-2", 1)
    await carts.merge(other, "u-versions")
    assert (await carts.version(other), await carts.version(user_cart_id("u-versions"))) == (2, 1)
    await carts.clear(cart)
    assert await carts.version(cart) == 4
    assert 0 < await redis.ttl(f"cart-version:{{cart:{cart}}}") <= 30 * 24 * 3600


async def test_a_claim_admits_one_idempotency_key_and_its_retries(redis: Redis) -> None:
    carts, cart = Carts(redis), new_cart_id()
    await carts.add(cart, "p-1", 2)
    first = await carts.claim(cart, "u-1", "key-1")
    assert (first.outcome, first.lines, first.version) == (
        ClaimOutcome.CLAIMED, [CartLine("p-1", 2)], 1,
    )  # fmt: skip
    assert 0 < await redis.ttl(f"cart-order:{{cart:{cart}}}") <= PLACING_SECONDS
    assert (await carts.claim(cart, "u-1", "key-2")).outcome is ClaimOutcome.TAKEN
    assert (await carts.claim(cart, "u-2", "key-1")).outcome is ClaimOutcome.TAKEN
    retry = await carts.claim(cart, "u-1", "key-1")  # the same key, while the first is under way
    assert retry.outcome is ClaimOutcome.CLAIMED
    await carts.release(cart, "u-1", "key-2")  # not its claim: nothing happens
    await carts.release(cart, "u-1", "key-1")
    assert (await carts.claim(cart, "u-1", "key-2")).outcome is ClaimOutcome.TAKEN, "one left"
    await carts.release(cart, "u-1", "key-1")
    assert (await carts.claim(cart, "u-1", "key-2")).outcome is ClaimOutcome.CLAIMED
    assert await carts.lines(cart) == [CartLine("p-1", 2)], "claims never touch the lines"


async def test_an_ordered_cart_refuses_other_keys_until_it_changes(redis: Redis) -> None:
    carts, cart = Carts(redis), new_cart_id()
    await carts.add(cart, "p-1", 1)
    assert (await carts.claim(cart, "u-1", "key-1")).outcome is ClaimOutcome.CLAIMED
    await carts.complete(cart, "u-1", "key-1")
    assert await carts.lines(cart) == []
    assert PLACING_SECONDS < await redis.ttl(f"cart-order:{{cart:{cart}}}") <= ORDERED_SECONDS
    assert (await carts.claim(cart, "u-1", "key-1")).outcome is ClaimOutcome.ORDERED
    assert (await carts.claim(cart, "u-1", "key-2")).outcome is ClaimOutcome.TAKEN
    await carts.release(cart, "u-1", "key-1")  # a late retry's release leaves the mark alone
    assert (await carts.claim(cart, "u-1", "key-2")).outcome is ClaimOutcome.TAKEN
    await carts.add(cart, "p-2", 1)
    again = await carts.claim(cart, "u-1", "key-2")
    assert (again.outcome, again.lines) == (ClaimOutcome.CLAIMED, [CartLine("p-2", 1)])


async def test_concurrent_claims_of_one_cart_admit_one_key(redis: Redis) -> None:
    carts, cart = Carts(redis), new_cart_id()
    await carts.add(cart, "p-1", 1)
    claims = await asyncio.gather(*(carts.claim(cart, "u-1", f"key-{n}") for n in range(10)))
    outcomes = [claim.outcome for claim in claims]
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.TAKEN) == 9


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
