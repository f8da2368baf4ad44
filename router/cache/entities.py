"""The entity cache's store: subgraph answers (one per entity, or one per root fetch) in Redis,
shared by every router instance, each entry tagged with the entities it holds so that a change
to one drops every entry that shows it.

Entries expire at their cache policy's max age. A tag (``Product:p-0042``) is a Redis set of
the keys that hold that entity; ``invalidate`` deletes them. Changes arrive as messages on a
Redis channel (``{"typename": "Product", "id": "p-0042"}``), which every router listens to.
When Redis is slow or down, a lookup is a miss and nothing is stored: the subgraph answers, as
if there were no cache; the outage is logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("shopgraph.router")

RECHECK_SECONDS = 5.0
MAX_TAGS_PER_ENTRY = 256
MAX_INVALIDATION_BYTES = 4_096


@dataclass(frozen=True)
class Entry:
    key: str
    value: bytes
    ttl_seconds: int
    tags: Sequence[str] = ()


def tag_of(typename: str, key: str) -> str:
    return f"{typename}:{key}"


class EntityStore:
    """Entries in Redis under ``key_prefix``; ``timeout_seconds`` bounds each call."""

    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str = "shopgraph:entities:",
        timeout_seconds: float = 0.1,
        owns_client: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from redis.exceptions import RedisError

        self._redis = redis
        self._prefix = key_prefix
        self._timeout = timeout_seconds
        self._owns_client = owns_client
        self._clock = clock
        self._failures: tuple[type[Exception], ...] = (RedisError, OSError, TimeoutError)
        self._down_until: float | None = None
        self._listener: asyncio.Task[None] | None = None

    @classmethod
    def from_url(
        cls, url: str, *, key_prefix: str = "shopgraph:entities:", timeout_seconds: float = 0.1
    ) -> EntityStore:
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=64,
            timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(Redis.from_pool(pool), key_prefix=key_prefix,
                   timeout_seconds=timeout_seconds, owns_client=True)  # fmt: skip

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys or self._skipping():
            return [None] * len(keys)
        try:
            async with asyncio.timeout(self._timeout):
                found: list[Any] = await self._redis.mget([self._prefix + k for k in keys])
        except self._failures as error:
            self._went_down(error)
            return [None] * len(keys)
        self._answered()
        return [value.encode() if isinstance(value, str) else value for value in found]

    async def put_many(self, entries: Sequence[Entry]) -> None:
        if not entries or self._skipping():
            return
        try:
            async with asyncio.timeout(self._timeout):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for entry in entries:
                        key = self._prefix + entry.key
                        pipe.set(key, entry.value, ex=entry.ttl_seconds)
                        for tag in entry.tags[:MAX_TAGS_PER_ENTRY]:
                            pipe.sadd(self._prefix + "tag:" + tag, key)
                            pipe.expire(self._prefix + "tag:" + tag, entry.ttl_seconds)
                    await pipe.execute()
        except self._failures as error:
            self._went_down(error)
            return
        self._answered()

    async def invalidate(self, tag: str) -> int:
        """Drop every entry tagged ``tag``; how many there were."""
        index = self._prefix + "tag:" + tag
        try:
            async with asyncio.timeout(self._timeout * 10):
                keys: list[Any] = list(await self._redis.smembers(index))
                if keys:
                    await self._redis.delete(*keys, index)
        except self._failures as error:
            self._went_down(error)
            return 0
        return len(keys)

    def listen(self, channel: str, on_change: Callable[[str, int], None]) -> None:
        """Follow ``channel`` (in the background until ``aclose``), dropping the entries of
        each entity a message names; ``on_change(tag, dropped)`` after each."""
        self._listener = asyncio.get_running_loop().create_task(
            self._follow(channel, on_change), name="entity-cache-invalidations"
        )

    async def _follow(self, channel: str, on_change: Callable[[str, int], None]) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(channel)
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            tag = _tag_in(message.get("data"))
                            if tag is not None:
                                on_change(tag, await self.invalidate(tag))
            except asyncio.CancelledError:
                raise
            except self._failures as error:
                self._went_down(error)
                await asyncio.sleep(RECHECK_SECONDS)

    def _skipping(self) -> bool:
        return self._down_until is not None and self._clock() < self._down_until

    def _answered(self) -> None:
        if self._down_until is not None:
            self._down_until = None
            log.info("entity cache: Redis answers again")

    def _went_down(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning(
                "entity cache: Redis unreachable (%s: %s); subgraphs answer every fetch until "
                "it is back",
                type(error).__name__,
                error,
            )
        self._down_until = self._clock() + RECHECK_SECONDS

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._owns_client:
            await self._redis.aclose()


def _tag_in(data: Any) -> str | None:
    """The entity a change message names, or None for a message that is not one."""
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, bytes) or len(data) > MAX_INVALIDATION_BYTES:
        return None
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(message, dict):
        return None
    typename, key = message.get("typename"), message.get("id")
    if not isinstance(typename, str) or not isinstance(key, str | int):
        return None
    return tag_of(typename, str(key))
