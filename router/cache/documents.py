"""Where automatic persisted queries (APQ) keep their documents: an in-process LRU in front of
an optional Redis tier that every router using the same Redis shares.

A key is the document's SHA-256 (hex), checked against the text before anything is kept, so
nobody can make a hash stand for another document. Redis entries expire (``ttl_seconds``);
when Redis is slow or down, a lookup is a miss (the client sends its document again) and a
registration stays in this process: Redis is left alone for ``recheck_seconds`` and the outage
is logged once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from router.cache.lru import BoundedCache

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("shopgraph.router")

RECHECK_SECONDS = 5.0
REDIS_MAX_CONNECTIONS = 32


class DocumentStore:
    """Documents by their SHA-256; the in-process tier alone when ``redis`` is None."""

    def __init__(
        self,
        local: BoundedCache[str, str],
        redis: Redis | None = None,
        *,
        key_prefix: str = "shopgraph:apq:",
        ttl_seconds: int = 86_400,
        recheck_seconds: float = RECHECK_SECONDS,
        owns_client: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
        self.local = local
        self._redis = redis
        self._prefix = key_prefix
        self._ttl = ttl_seconds
        self._recheck = recheck_seconds
        self._owns_client = owns_client
        self._clock = clock
        self._down_until: float | None = None
        self._where = "redis"
        if redis is not None:
            from redis.exceptions import RedisError

            self._failures: tuple[type[Exception], ...] = (RedisError, OSError)
            kwargs = redis.connection_pool.connection_kwargs
            self._where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"

    @classmethod
    def from_url(
        cls,
        local: BoundedCache[str, str],
        url: str,
        *,
        key_prefix: str = "shopgraph:apq:",
        ttl_seconds: int = 86_400,
        timeout_seconds: float = 0.2,
    ) -> DocumentStore:
        """A Redis client of its own: short timeouts, no retries, a bounded pool."""
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, got {timeout_seconds}")
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=REDIS_MAX_CONNECTIONS,
            timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        store = cls(
            local,
            Redis.from_pool(pool),
            key_prefix=key_prefix,
            ttl_seconds=ttl_seconds,
            owns_client=True,
        )
        store._where = urlsplit(url).netloc.rpartition("@")[2] or store._where
        return store

    @property
    def shared(self) -> bool:
        """Whether a Redis tier is configured (reachable or not)."""
        return self._redis is not None

    async def get(self, digest: str) -> str | None:
        document = self.local.get(digest)
        if document is not None or self._redis is None or self._skipping():
            return document
        try:
            raw = await self._redis.get(self._prefix + digest)
        except self._failures as error:
            self._went_down(error)
            return None
        self._answered()
        if raw is None:
            return None
        document = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
        self.local.put(digest, document, len(document))
        return document

    async def put(self, digest: str, document: str) -> None:
        self.local.put(digest, document, len(document))
        if self._redis is None or self._skipping():
            return
        try:
            await self._redis.set(self._prefix + digest, document.encode("utf-8"), ex=self._ttl)
        except self._failures as error:
            self._went_down(error)
            return
        self._answered()

    def _skipping(self) -> bool:
        return self._down_until is not None and self._clock() < self._down_until

    def _answered(self) -> None:
        if self._down_until is not None:
            self._down_until = None
            log.info("persisted queries: Redis at %s answers again", self._where)

    def _went_down(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning(
                "persisted queries: Redis at %s unreachable (%s: %s); documents are kept in "
                "this router only until it answers again",
                self._where,
                type(error).__name__,
                error,
            )
        self._down_until = self._clock() + self._recheck

    async def aclose(self) -> None:
        if self._redis is not None and self._owns_client:
            await self._redis.aclose()
