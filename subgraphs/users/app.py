"""The users subgraph's ASGI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from datastores.embedded import redis_client
from datastores.settings import StoreSettings
from datastores.sql import migrate_sql, sql_engine
from subgraphs.common.auth import ANONYMOUS, TokenVerifier
from subgraphs.common.http import BearerAuthentication, subgraph_routes
from subgraphs.common.settings import IdentitySettings
from subgraphs.users.schema import Context, schema
from subgraphs.users.store import ProfileStore, RecentlyViewed, SqlProfileStore


@dataclass
class Services:
    store: ProfileStore
    redis: Redis
    verifier: TokenVerifier


class UsersGraphQL(GraphQL[Context, None]):
    def __init__(self, services: Callable[[], Services]) -> None:
        super().__init__(schema, graphql_ide=None)
        self.services = services

    async def get_context(self, request: Request, response: Response | Any) -> Context:  # type: ignore[override]
        s = self.services()
        return Context(
            viewer=request.scope.get("state", {}).get("viewer", ANONYMOUS),
            store=s.store,
            viewed=RecentlyViewed(s.redis),
            preferences=DataLoader(s.store.preferences),
        )


async def open_store(stores: StoreSettings) -> SqlProfileStore:
    """PostgreSQL when configured, else embedded SQLite; migrated to the latest revision."""
    engine = sql_engine(stores, "users")
    await migrate_sql(engine, "users")
    return SqlProfileStore(engine)


def create_app(
    *,
    open_profiles: Callable[[], Awaitable[ProfileStore]] | None = None,
    redis_url: str | None = None,
    verifier: TokenVerifier | None = None,
) -> Starlette:
    holder: dict[str, Services] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stores = StoreSettings()
        if redis_url is not None:
            stores = stores.model_copy(update={"redis_url": redis_url})
        store = await (open_profiles or (lambda: open_store(stores)))()
        services = Services(store, redis_client(stores), verifier or IdentitySettings().verifier())
        holder["services"] = services
        yield
        await services.store.close()
        await services.redis.aclose()

    graphql = UsersGraphQL(lambda: holder["services"])
    return Starlette(
        routes=subgraph_routes(graphql),
        middleware=[Middleware(BearerAuthentication, verifier=lambda: holder["services"].verifier)],
        lifespan=lifespan,
    )
