"""Token buckets for the rate limiter: the port, a Redis adapter that every router instance
shares, and a bounded in-process adapter.

A bucket holds up to ``capacity`` tokens and gains ``refill_per_second`` tokens a second; a
request takes ``cost`` tokens or is refused. A bucket nobody has touched is full, so an idle
client needs no state at all: Redis keys expire once their bucket would be full again.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    # redis-py is imported only by a router that keeps its budgets in Redis: importing it
    # costs a process about 20 MB (it brings OpenTelemetry's SDK and cryptography along).
    from redis.asyncio import Redis

log = logging.getLogger("shopgraph.router.rate_limit")

DEFAULT_KEY_PREFIX = "shopgraph:rate-limit:"
DEFAULT_MAX_KEYS = 100_000
DEFAULT_REDIS_TIMEOUT_SECONDS = 0.25
REDIS_MAX_CONNECTIONS = 64
RECHECK_SECONDS = 1.0
"""While Redis is down, how long to answer from memory before trying Redis again."""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    """Whole tokens left after this request."""
    retry_after_seconds: float
    """0 when allowed; else how long until the bucket holds ``cost`` tokens."""


class TokenBuckets(Protocol):
    """The rate limiter's port: take tokens from the bucket named ``key``, atomically."""

    async def take(
        self, key: str, *, capacity: int, refill_per_second: float, cost: int = 1
    ) -> Decision: ...

    async def aclose(self) -> None: ...


def check_budget(capacity: int, refill_per_second: float, cost: int) -> None:
    """Refuse budgets no bucket can honour; both adapters call it first."""
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")
    if not (math.isfinite(refill_per_second) and refill_per_second > 0):
        raise ValueError(f"refill_per_second must be a positive number, got {refill_per_second}")
    if not 1 <= cost <= capacity:
        raise ValueError(f"cost must be between 1 and the capacity {capacity}, got {cost}")


def _spend(tokens: float, refill_per_second: float, cost: int) -> tuple[float, Decision]:
    if tokens >= cost:
        tokens -= cost
        return tokens, Decision(True, math.floor(tokens), 0.0)
    return tokens, Decision(False, math.floor(tokens), (cost - tokens) / refill_per_second)


class MemoryTokenBuckets:
    """Buckets in this process, for a single router: at most ``max_keys`` of them, the least
    recently used dropped first (a dropped bucket comes back full)."""

    def __init__(
        self, max_keys: int = DEFAULT_MAX_KEYS, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, got {max_keys}")
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    async def take(
        self, key: str, *, capacity: int, refill_per_second: float, cost: int = 1
    ) -> Decision:
        check_budget(capacity, refill_per_second, cost)
        now = self._clock()
        state = self._buckets.pop(key, None)
        if state is None:
            tokens = float(capacity)
        else:
            tokens, at = state
            tokens = min(float(capacity), tokens + max(0.0, now - at) * refill_per_second)
        tokens, decision = _spend(tokens, refill_per_second, cost)
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return decision

    async def aclose(self) -> None:
        self._buckets.clear()


# One bucket is a hash {tokens, at} under one key, so the script runs on Redis Cluster too.
# Time comes from the server (TIME), so routers with skewed clocks still agree; a clock that
# steps back never adds tokens. Numbers go to Redis as %.17g strings: Lua's tostring keeps
# only 14 digits, too few for a timestamp in microseconds.
_TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now < at then
  now = at
end
tokens = math.min(capacity, tokens + (now - at) * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity - tokens) / rate * 1000)))
return {allowed, math.floor(tokens), string.format('%.17g', retry)}
"""


class RedisTokenBuckets:
    """Buckets in Redis, shared by every router that uses the same Redis and key prefix.

    When Redis cannot be reached (or answers with an error), requests are decided by the
    ``fallback`` buckets of this instance, Redis is left alone for ``recheck_seconds``, and
    the outage is logged once, when it begins; a line at INFO marks its end.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        fallback: TokenBuckets | None = None,
        recheck_seconds: float = RECHECK_SECONDS,
        owns_client: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from redis.exceptions import RedisError

        if recheck_seconds < 0:
            raise ValueError(f"recheck_seconds cannot be negative, got {recheck_seconds}")
        self._failures: tuple[type[Exception], ...] = (RedisError, OSError)
        self._redis = redis
        self._script = redis.register_script(_TAKE_SCRIPT)
        self.key_prefix = key_prefix
        self.fallback: TokenBuckets = fallback if fallback is not None else MemoryTokenBuckets()
        self._recheck_seconds = recheck_seconds
        self._owns_client = owns_client
        self._clock = clock
        self._down_until: float | None = None
        kwargs = redis.connection_pool.connection_kwargs
        self._where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        timeout_seconds: float = DEFAULT_REDIS_TIMEOUT_SECONDS,
        fallback: TokenBuckets | None = None,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> RedisTokenBuckets:
        """A client of its own with short timeouts, no retries and a bounded pool, so a slow
        or absent Redis costs a request at most about ``timeout_seconds``."""
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
        buckets = cls(
            Redis.from_pool(pool),
            key_prefix=key_prefix,
            fallback=fallback,
            recheck_seconds=recheck_seconds,
            owns_client=True,
        )
        buckets._where = urlsplit(url).netloc.rpartition("@")[2] or buckets._where
        return buckets

    @property
    def redis_down(self) -> bool:
        return self._down_until is not None

    async def take(
        self, key: str, *, capacity: int, refill_per_second: float, cost: int = 1
    ) -> Decision:
        check_budget(capacity, refill_per_second, cost)
        if self._down_until is not None and self._clock() < self._down_until:
            return await self.fallback.take(
                key, capacity=capacity, refill_per_second=refill_per_second, cost=cost
            )
        try:
            reply: Any = await self._script(
                keys=[self.key_prefix + key], args=[capacity, repr(refill_per_second), cost]
            )
        except self._failures as error:
            self._went_down(error)
            return await self.fallback.take(
                key, capacity=capacity, refill_per_second=refill_per_second, cost=cost
            )
        if self._down_until is not None:
            self._down_until = None
            log.info("rate limits: Redis at %s answers again; budgets are shared", self._where)
        allowed, remaining, retry_after = reply
        return Decision(bool(allowed), int(remaining), float(retry_after))

    def _went_down(self, error: Exception) -> None:
        if self._down_until is None:
            log.warning(
                "rate limits: Redis at %s unreachable (%s: %s); this router uses its own "
                "in-memory budgets until Redis answers again",
                self._where,
                type(error).__name__,
                error,
            )
        self._down_until = self._clock() + self._recheck_seconds

    async def aclose(self) -> None:
        await self.fallback.aclose()
        if self._owns_client:
            await self._redis.aclose()
