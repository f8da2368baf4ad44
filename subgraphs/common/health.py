"""The subgraphs' readiness checks, one per kind of store (the runner and ``/health/ready``
are :mod:`observability.health`'s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from observability.health import (
    CHECK_TIMEOUT_SECONDS,
    Checks,
    ReadinessCheck,
    describe,
    ping_check,
    readiness,
    readiness_route,
)

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch
    from pymongo import AsyncMongoClient
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine


def sql_store_checks(engine: AsyncEngine, replica: AsyncEngine | None) -> list[ReadinessCheck]:
    """A SQL store's checks: its primary, and its read replica when it has one."""
    checks = [sql_check(engine)]
    if replica is not None:
        checks.append(sql_check(replica, "postgres-replica"))
    return checks


def sql_check(engine: AsyncEngine, name: str | None = None) -> ReadinessCheck:
    """``SELECT 1`` through the service's engine (and so through its pool); ``name`` tells a
    read replica's check from the primary's."""

    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    if name is None:
        name = "postgres" if engine.dialect.name == "postgresql" else engine.dialect.name
    return ReadinessCheck(name, probe)


def mongo_check(client: AsyncMongoClient[Any]) -> ReadinessCheck:
    async def probe() -> None:
        await client.admin.command("ping")

    return ReadinessCheck("mongo", probe)


class ClusterUnhealthyError(Exception):
    """Elasticsearch answers, but some primary shard has no copy (cluster health red)."""


def elasticsearch_check(
    client: AsyncElasticsearch, timeout: float = CHECK_TIMEOUT_SECONDS
) -> ReadinessCheck:
    # One try per node: with several nodes listed, one of them down leaves the service ready.
    retries = len(client.transport.node_pool.all()) - 1

    async def probe() -> None:
        health = await client.options(request_timeout=timeout, max_retries=retries).cluster.health()
        if health["status"] == "red":
            raise ClusterUnhealthyError("cluster health is red")

    return ReadinessCheck("elasticsearch", probe)


def redis_check(redis: Redis) -> ReadinessCheck:
    return ping_check("redis", redis.ping)


__all__ = ["CHECK_TIMEOUT_SECONDS", "Checks", "ReadinessCheck", "describe", "elasticsearch_check",
           "mongo_check", "readiness", "readiness_route", "redis_check", "sql_check",
           "sql_store_checks"]  # fmt: skip
