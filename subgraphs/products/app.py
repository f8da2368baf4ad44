"""The products subgraph's ASGI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from starlette.applications import Starlette

from datastores.catalog_mongo import migrate_catalog
from datastores.embedded import redis_client, sqlite_engine
from datastores.settings import StoreSettings
from subgraphs.common.auth import TokenVerifier, Viewer
from subgraphs.common.events import CatalogEvents
from subgraphs.common.health import ReadinessCheck, mongo_check, redis_check, sql_check
from subgraphs.common.http import subgraph_app
from subgraphs.common.schema import SubgraphGraphQL
from subgraphs.products.loaders import create_loaders
from subgraphs.products.mongo_store import MongoCatalogStore
from subgraphs.products.schema import Context, schema
from subgraphs.products.service import CatalogService
from subgraphs.products.settings import ProductsSettings
from subgraphs.products.sql_store import SqlCatalogStore
from subgraphs.products.store import CatalogStore


@dataclass
class Services:
    store: CatalogStore
    redis: Redis
    verifier: TokenVerifier
    settings: ProductsSettings


def request_context(services: Services, viewer: Viewer) -> Context:
    return Context(
        viewer=viewer,
        loaders=create_loaders(services.store),
        service=CatalogService(services.store, CatalogEvents(services.redis)),
        cdn_base_url=services.settings.cdn_base_url,
    )


def readiness_checks(s: Services) -> list[ReadinessCheck]:
    """A round trip to the catalog store (MongoDB or SQLite) and to Redis."""
    store = []
    if isinstance(s.store, MongoCatalogStore):
        store.append(mongo_check(s.store.client))
    elif isinstance(s.store, SqlCatalogStore):
        store.append(sql_check(s.store.engine))
    return [*store, redis_check(s.redis)]


async def open_store(stores: StoreSettings) -> CatalogStore:
    """MongoDB when configured (with its migration step), else embedded SQLite."""
    if stores.mongo_url:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            stores.mongo_url, **stores.mongo_client_options()
        )
        store = MongoCatalogStore(client, stores.mongo_database)
        await migrate_catalog(store.db)
        return store
    sql = SqlCatalogStore(sqlite_engine(stores.data_dir / "catalog.db"))
    await sql.create_tables()
    return sql


def create_app(
    *,
    open_catalog: Callable[[], Awaitable[CatalogStore]] | None = None,
    redis_url: str | None = None,
    verifier: TokenVerifier | None = None,
    settings: ProductsSettings | None = None,
) -> Starlette:
    """The app; by default its stores come from ``SHOPGRAPH_*`` settings (embedded if unset).

    Stores are opened in the app's lifespan, on the event loop that serves requests.
    """
    settings = settings or ProductsSettings()
    holder: dict[str, Services] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stores = StoreSettings().with_redis(redis_url)
        services = Services(
            store=await (open_catalog or (lambda: open_store(stores)))(),
            redis=redis_client(stores),
            verifier=verifier or settings.verifier(),
            settings=settings,
        )
        holder["services"] = services
        yield
        await services.store.close()
        await services.redis.aclose()

    graphql = SubgraphGraphQL(schema, lambda: holder["services"], request_context)
    return subgraph_app(graphql, verifier=lambda: holder["services"].verifier, lifespan=lifespan,
                        readiness=lambda: readiness_checks(holder["services"]))  # fmt: skip
