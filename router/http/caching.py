"""The router's entity cache from its configuration: the Redis store, the caching subgraph
client in front of the HTTP one, and the listener that drops entries of changed entities."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from router.cache.entities import EntityStore
from router.execution.client import SubgraphClient
from router.execution.entity_cache import CachingSubgraphClient
from router.http.config import ConfigError, EntityCacheSettings
from router.supergraph import Supergraph
from router.telemetry.metrics import ENTITY_CACHE_INVALIDATIONS

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("shopgraph.router")


def entity_store(settings: EntityCacheSettings, redis: Redis | None) -> EntityStore | None:
    """The store, on ``redis`` when given (``shopgraph dev`` gives its embedded one), else on
    ``settings.redis_url``; None when the cache is off."""
    if not settings.enabled:
        return None
    if redis is not None:
        return EntityStore(redis, key_prefix=settings.key_prefix,
                           timeout_seconds=settings.redis_timeout_seconds)  # fmt: skip
    if not settings.redis_url:
        raise ConfigError("entity_cache.enabled needs entity_cache.redis_url")
    return EntityStore.from_url(settings.redis_url, key_prefix=settings.key_prefix,
                                timeout_seconds=settings.redis_timeout_seconds)  # fmt: skip


def caching_client(
    inner: SubgraphClient,
    store: EntityStore,
    settings: EntityCacheSettings,
    supergraph: Callable[[], Supergraph | None],
) -> CachingSubgraphClient:
    return CachingSubgraphClient(inner, store, supergraph, max_ttl_seconds=settings.max_ttl_seconds)


def follow_changes(store: EntityStore, settings: EntityCacheSettings) -> None:
    """Start dropping the entries of each entity announced on the invalidation channel."""

    def dropped(tag: str, entries: int) -> None:
        ENTITY_CACHE_INVALIDATIONS.inc(entries)
        log.debug("entity cache: %s changed, %d entries dropped", tag, entries)

    store.listen(settings.invalidation_channel, dropped)
