"""The users subgraph's ASGI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiodataloader import DataLoader
from redis.asyncio import Redis
from starlette.applications import Starlette

from datastores.embedded import redis_client
from datastores.settings import StoreSettings
from datastores.sql import migrate_sql, sql_engine, sql_replica_engine
from subgraphs.common.auth import TokenVerifier, Viewer
from subgraphs.common.health import ReadinessCheck, redis_check, sql_store_checks
from subgraphs.common.http import subgraph_app
from subgraphs.common.schema import SubgraphGraphQL
from subgraphs.common.settings import IdentitySettings
from subgraphs.common.telemetry import measured_batch
from subgraphs.users.schema import Context, schema
from subgraphs.users.store import Preferences, ProfileStore, RecentlyViewed, SqlProfileStore


@dataclass
class Services:
    store: ProfileStore
    redis: Redis
    verifier: TokenVerifier


def request_context(s: Services, viewer: Viewer) -> Context:
    async def lagging(user_ids: list[str]) -> list[Preferences]:
        return await s.store.preferences(user_ids, stale_ok=True)

    return Context(
        viewer=viewer,
        store=s.store,
        viewed=RecentlyViewed(s.redis),
        preferences=DataLoader(measured_batch("preferences", s.store.preferences)),
        lagging_preferences=DataLoader(measured_batch("preferences", lagging)),
    )


def readiness_checks(s: Services) -> list[ReadinessCheck]:
    """A round trip to the profile store (the SQL one and its replica, if any; a test's own has
    none) and to Redis."""
    if not isinstance(s.store, SqlProfileStore):
        return [redis_check(s.redis)]
    return [*sql_store_checks(s.store.engine, s.store.replica), redis_check(s.redis)]


async def open_store(stores: StoreSettings) -> SqlProfileStore:
    """PostgreSQL when configured (with its read replica, if one is), else embedded SQLite;
    migrated to the latest revision (the replica follows the primary's migrations)."""
    engine = sql_engine(stores, "users")
    await migrate_sql(engine, "users")
    return SqlProfileStore(engine, sql_replica_engine(stores))


def create_app(
    *,
    open_profiles: Callable[[], Awaitable[ProfileStore]] | None = None,
    redis_url: str | None = None,
    verifier: TokenVerifier | None = None,
) -> Starlette:
    holder: dict[str, Services] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stores = StoreSettings().with_redis(redis_url)
        store = await (open_profiles or (lambda: open_store(stores)))()
        services = Services(store, redis_client(stores), verifier or IdentitySettings().verifier())
        holder["services"] = services
        yield
        await services.store.close()
        await services.redis.aclose()

    graphql = SubgraphGraphQL(schema, lambda: holder["services"], request_context)
    return subgraph_app(graphql, verifier=lambda: holder["services"].verifier, lifespan=lifespan,
                        readiness=lambda: readiness_checks(holder["services"]))  # fmt: skip
