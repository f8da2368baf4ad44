"""Readiness of the BFFs: ``/health/ready`` makes one round trip to each service a BFF needs
(the web BFF's session Redis and the router; the mobile BFF's router), all at once, each
bounded by a short timeout, and answers 200, or 503 naming what failed.

The runner is :mod:`observability.health`'s; the mobile BFF imports these checks from here.
"""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from observability.health import (
    CHECK_TIMEOUT_SECONDS,
    ReadinessCheck,
    ping_check,
    readiness_route,
)


def redis_check(redis: Redis) -> ReadinessCheck:
    return ping_check("redis", redis.ping)


class RouterNotReadyError(Exception):
    """The router answers its ``/health`` with something other than 200."""


def router_check(
    http: httpx.AsyncClient, graphql_url: str, timeout: float = CHECK_TIMEOUT_SECONDS
) -> ReadinessCheck:
    """``GET /health`` on the router's origin (the router serves it there, whatever its
    GraphQL path), on the BFF's own pooled client."""
    url = httpx.URL(graphql_url).join("/health")

    async def probe() -> None:
        response = await http.get(url, timeout=timeout)
        if response.status_code != 200:
            raise RouterNotReadyError(f"GET /health answered {response.status_code}")

    return ReadinessCheck("router", probe)


__all__ = ["ReadinessCheck", "readiness_route", "redis_check", "router_check"]
