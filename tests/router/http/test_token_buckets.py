"""Token buckets on Redis and in memory: one contract, and what each adapter adds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from datastores.testservices.base import free_port
from router.http.token_buckets import (
    Decision,
    MemoryTokenBuckets,
    RedisTokenBuckets,
    TokenBuckets,
)

WARNING_LOGGER = "shopgraph.router.rate_limit"


def fresh_prefix() -> str:
    return f"test:rate-limit:{uuid.uuid4().hex}:"


@pytest.fixture(params=["redis", "memory"])
async def buckets(request: pytest.FixtureRequest) -> AsyncIterator[TokenBuckets]:
    adapter: TokenBuckets
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        adapter = RedisTokenBuckets.from_url(url, key_prefix=fresh_prefix())
    else:
        adapter = MemoryTokenBuckets(max_keys=1000)
    yield adapter
    if isinstance(adapter, RedisTokenBuckets):
        assert not adapter.redis_down, "the Redis contract ran against the fallback"
    await adapter.aclose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_new_bucket_is_full_and_refuses_once_empty(buckets: TokenBuckets) -> None:
    taken = [await buckets.take("c-1", capacity=3, refill_per_second=0.5) for _ in range(4)]
    assert [(d.allowed, d.remaining) for d in taken] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    assert [d.retry_after_seconds for d in taken[:3]] == [0.0, 0.0, 0.0]
    assert 1.9 < taken[3].retry_after_seconds <= 2.0


async def test_a_cost_takes_that_many_tokens(buckets: TokenBuckets) -> None:
    first = await buckets.take("c-cost", capacity=5, refill_per_second=1, cost=3)
    second = await buckets.take("c-cost", capacity=5, refill_per_second=1, cost=3)
    assert (first.allowed, first.remaining) == (True, 2)
    assert (second.allowed, second.remaining) == (False, 2)
    assert 0.9 < second.retry_after_seconds <= 1.0


async def test_buckets_are_independent_per_key(buckets: TokenBuckets) -> None:
    assert (await buckets.take("c-a", capacity=1, refill_per_second=0.01)).allowed
    assert not (await buckets.take("c-a", capacity=1, refill_per_second=0.01)).allowed
    assert (await buckets.take("c-b", capacity=1, refill_per_second=0.01)).allowed


async def test_the_bucket_refills_over_time_up_to_its_capacity(buckets: TokenBuckets) -> None:
    for _ in range(2):
        assert (await buckets.take("c-refill", capacity=2, refill_per_second=20)).allowed
    refused = await buckets.take("c-refill", capacity=2, refill_per_second=20)
    assert not refused.allowed
    await asyncio.sleep(refused.retry_after_seconds + 0.02)
    assert (await buckets.take("c-refill", capacity=2, refill_per_second=20)).allowed
    await asyncio.sleep(0.3)  # six tokens' worth of time, but the bucket holds two
    assert (await buckets.take("c-refill", capacity=2, refill_per_second=20)).remaining == 1


async def test_concurrent_takes_never_overspend(buckets: TokenBuckets) -> None:
    decisions = await asyncio.gather(
        *(buckets.take("c-race", capacity=10, refill_per_second=0.001) for _ in range(40))
    )
    assert sum(d.allowed for d in decisions) == 10


@pytest.mark.parametrize(
    ("capacity", "refill", "cost"),
    [(0, 1.0, 1), (-1, 1.0, 1), (5, 0.0, 1), (5, -1.0, 1), (5, math.nan, 1), (5, math.inf, 1),
     (5, 1.0, 0), (5, 1.0, 6)],
)  # fmt: skip
async def test_budgets_no_bucket_can_honour_are_refused(
    buckets: TokenBuckets, capacity: int, refill: float, cost: int
) -> None:
    with pytest.raises(ValueError, match="must be"):
        await buckets.take("c-bad", capacity=capacity, refill_per_second=refill, cost=cost)


async def test_redis_keys_carry_the_prefix_and_expire_once_full(
    redis_url: str, redis: Redis
) -> None:
    prefix = fresh_prefix()
    buckets = RedisTokenBuckets.from_url(redis_url, key_prefix=prefix)
    try:
        await buckets.take("c-ttl", capacity=4, refill_per_second=10, cost=3)
        ttl = await redis.pttl(f"{prefix}c-ttl")
        assert 250 < ttl <= 300  # three tokens at ten a second
        await asyncio.sleep(0.4)
        assert await redis.exists(f"{prefix}c-ttl") == 0
        assert await redis.keys(f"{prefix}*") == []
    finally:
        await buckets.aclose()


async def test_routers_sharing_redis_share_the_budget(redis_url: str) -> None:
    prefix = fresh_prefix()
    first = RedisTokenBuckets.from_url(redis_url, key_prefix=prefix)
    second = RedisTokenBuckets.from_url(redis_url, key_prefix=prefix)
    other = RedisTokenBuckets.from_url(redis_url, key_prefix=fresh_prefix())
    try:
        assert (await first.take("c-shared", capacity=2, refill_per_second=0.01)).allowed
        assert (await second.take("c-shared", capacity=2, refill_per_second=0.01)).allowed
        assert not (await first.take("c-shared", capacity=2, refill_per_second=0.01)).allowed
        assert not (await second.take("c-shared", capacity=2, refill_per_second=0.01)).allowed
        assert (await other.take("c-shared", capacity=2, refill_per_second=0.01)).allowed
    finally:
        for buckets in (first, second, other):
            await buckets.aclose()


async def test_redis_buckets_run_on_the_servers_clock(redis_url: str, redis: Redis) -> None:
    prefix = fresh_prefix()
    buckets = RedisTokenBuckets.from_url(redis_url, key_prefix=prefix)
    try:
        seconds, micros = await redis.time()
        server_now = seconds + micros / 1e6
        await redis.hset(f"{prefix}c-clock", mapping={"tokens": 0, "at": server_now - 3})
        decision = await buckets.take("c-clock", capacity=10, refill_per_second=1)
        assert (decision.allowed, decision.remaining) == (True, 2)  # three seconds refilled
        at = float(await redis.hget(f"{prefix}c-clock", "at") or 0)
        assert server_now <= at < server_now + 1
    finally:
        await buckets.aclose()


async def test_memory_keeps_at_most_max_keys_dropping_the_least_recently_used() -> None:
    buckets = MemoryTokenBuckets(max_keys=3)
    assert (await buckets.take("a", capacity=1, refill_per_second=0.001)).allowed
    await buckets.take("b", capacity=1, refill_per_second=0.001)
    await buckets.take("c", capacity=1, refill_per_second=0.001)
    assert not (await buckets.take("a", capacity=1, refill_per_second=0.001)).allowed
    await buckets.take("d", capacity=1, refill_per_second=0.001)  # drops b, the oldest
    assert len(buckets) == 3
    assert not (await buckets.take("a", capacity=1, refill_per_second=0.001)).allowed
    assert (await buckets.take("b", capacity=1, refill_per_second=0.001)).allowed
    for n in range(1000):
        await buckets.take(f"attacker-{n}", capacity=1, refill_per_second=0.001)
    assert len(buckets) == 3


async def test_memory_refills_by_its_clock() -> None:
    now = [100.0]
    buckets = MemoryTokenBuckets(clock=lambda: now[0])
    assert (await buckets.take("c", capacity=2, refill_per_second=0.5, cost=2)).allowed
    refused = await buckets.take("c", capacity=2, refill_per_second=0.5)
    assert (refused.allowed, refused.retry_after_seconds) == (False, 2.0)
    now[0] += 2.0
    assert (await buckets.take("c", capacity=2, refill_per_second=0.5)).allowed
    now[0] -= 50.0  # a clock that steps back adds nothing
    assert not (await buckets.take("c", capacity=2, refill_per_second=0.5)).allowed


def test_memory_needs_room_for_one_key() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        MemoryTokenBuckets(max_keys=0)


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.parametrize("recheck_seconds", [1.0, 0.0])
async def test_unreachable_redis_falls_back_to_memory_logging_once(
    caplog: pytest.LogCaptureFixture, recheck_seconds: float
) -> None:
    buckets = RedisTokenBuckets.from_url(
        closed_port_url(),
        key_prefix=fresh_prefix(),
        fallback=MemoryTokenBuckets(10),
        recheck_seconds=recheck_seconds,
    )
    began = time.monotonic()
    with caplog.at_level(logging.INFO, logger=WARNING_LOGGER):
        decisions = [
            await buckets.take("c-down", capacity=15, refill_per_second=0.01) for _ in range(20)
        ]
    try:
        assert time.monotonic() - began < 2.0
        assert [d.allowed for d in decisions] == [True] * 15 + [False] * 5
        assert buckets.redis_down
        lines = [r for r in caplog.records if r.name == WARNING_LOGGER]
        assert len(lines) == 1
        assert lines[0].levelno == logging.WARNING
        assert "unreachable" in lines[0].getMessage()
    finally:
        await buckets.aclose()


async def test_redis_that_never_answers_costs_one_timeout_per_recheck(
    caplog: pytest.LogCaptureFixture,
) -> None:
    held: list[asyncio.StreamWriter] = []

    async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    buckets = RedisTokenBuckets.from_url(
        f"redis://127.0.0.1:{port}/0", key_prefix=fresh_prefix(), timeout_seconds=0.2
    )
    began = time.monotonic()
    try:
        with caplog.at_level(logging.INFO, logger=WARNING_LOGGER):
            for _ in range(20):
                decision = await buckets.take("c-silent", capacity=100, refill_per_second=1)
                assert decision.allowed
        assert time.monotonic() - began < 2.0
        assert len([r for r in caplog.records if r.name == WARNING_LOGGER]) == 1
    finally:
        await buckets.aclose()
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


class Switchboard:
    """A TCP relay to the real Redis that can be cut and restored, as a network would."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.up = True
        self.relays: set[asyncio.Task[None]] = set()
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        to_reader, to_writer = await asyncio.open_connection(self.host, self.port)
        self.writers += [writer, to_writer]
        for source, sink in ((reader, to_writer), (to_reader, writer)):
            task = asyncio.create_task(self.pipe(source, sink))
            self.relays.add(task)
            task.add_done_callback(self.relays.discard)

    async def pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    def cut(self) -> None:
        self.up = False
        for writer in self.writers:
            writer.close()
        self.writers.clear()


async def test_budgets_are_shared_again_once_redis_is_back(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    board = Switchboard(redis_url)
    server = await asyncio.start_server(board.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    buckets = RedisTokenBuckets.from_url(
        f"redis://127.0.0.1:{port}/0", key_prefix=fresh_prefix(), recheck_seconds=0.05
    )

    async def take() -> Decision:
        return await buckets.take("c-back", capacity=100, refill_per_second=0.01)

    try:
        with caplog.at_level(logging.INFO, logger=WARNING_LOGGER):
            assert (await take()).remaining == 99
            board.cut()
            for _ in range(5):
                await take()
            assert buckets.redis_down
            board.up = True
            await asyncio.sleep(0.06)
            assert (await take()).remaining == 98  # Redis's count; memory's would be 94
        lines = [r for r in caplog.records if r.name == WARNING_LOGGER]
        assert [r.levelno for r in lines] == [logging.WARNING, logging.INFO]
        assert "unreachable" in lines[0].getMessage()
        assert "answers again; budgets are shared" in lines[1].getMessage()
    finally:
        await buckets.aclose()
        board.cut()
        server.close()
        await server.wait_closed()
        for task in list(board.relays):
            task.cancel()
