"""Connections to the configured stores, or to embedded ones when none is configured.

Embedded Redis is one in-process fakeredis server shared by every service of the process, so
that ``shopgraph dev``'s services see each other's streams and keys as they would in Redis.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import fakeredis
from redis.asyncio import Redis

from datastores.settings import StoreSettings


@cache
def _fake_server() -> Any:
    return fakeredis.FakeServer()


def redis_client(settings: StoreSettings) -> Redis:
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, decode_responses=True)
    client: Redis = fakeredis.FakeAsyncRedis(server=_fake_server(), decode_responses=True)
    return client
