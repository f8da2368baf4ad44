"""Bounded in-process caches: every entry keyed by a digest, every cache bounded in bytes."""

from router.cache.lru import BoundedCache

__all__ = ["BoundedCache"]
