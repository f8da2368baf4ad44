"""The Redis test server over a real redis-py asyncio connection."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()


async def test_set_and_get(redis: Redis) -> None:
    assert await redis.set("smoke:key", "value", ex=60)
    assert await redis.get("smoke:key") == "value"
    assert 0 < await redis.ttl("smoke:key") <= 60


async def test_stream_append_and_read(redis: Redis) -> None:
    first = await redis.xadd("smoke:events", {"type": "CatalogChanged", "id": "p-1"})
    second = await redis.xadd("smoke:events", {"type": "CatalogChanged", "id": "p-2"})
    streams = await redis.xread({"smoke:events": "0-0"}, count=10)
    assert isinstance(streams, list)  # RESP2 shape: [[stream, [(id, fields), ...]]]
    [(name, entries)] = streams
    assert name == "smoke:events"
    assert [(entry_id, fields["id"]) for entry_id, fields in entries] == [
        (first, "p-1"),
        (second, "p-2"),
    ]


async def test_server_reports_its_version(redis: Redis) -> None:
    info = await redis.info("server")
    assert int(str(info["redis_version"]).split(".")[0]) >= 6
