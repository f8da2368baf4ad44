"""The orders subgraph's ASGI app, with the outbox relay running beside it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis
from starlette.applications import Starlette

from datastores.embedded import redis_client
from datastores.settings import StoreSettings
from datastores.sql import migrate_sql, sql_engine, sql_replica_engine
from subgraphs.common.auth import TokenVerifier, Viewer
from subgraphs.common.health import ReadinessCheck, redis_check, sql_store_checks
from subgraphs.common.http import subgraph_app
from subgraphs.common.schema import SubgraphGraphQL
from subgraphs.orders.carts import Carts
from subgraphs.orders.catalog_follower import CatalogFollower
from subgraphs.orders.feed import OrderFeed
from subgraphs.orders.payments import PaymentProvider, SandboxPayments
from subgraphs.orders.relay import OutboxRelay
from subgraphs.orders.schema import Context, Loaders, schema
from subgraphs.orders.service import OrdersService, StockCache
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.store import OrderStore, SqlOrderStore


@dataclass
class Services:
    store: OrderStore
    redis: Redis
    verifier: TokenVerifier
    payments: PaymentProvider
    feed: OrderFeed = field(init=False)

    def __post_init__(self) -> None:
        self.feed = OrderFeed(self.redis)


def request_context(s: Services, viewer: Viewer) -> Context:
    service = OrdersService(s.store, Carts(s.redis), s.payments, StockCache(s.redis))
    return Context(viewer=viewer, service=service, loaders=Loaders(service), feed=s.feed)


def readiness_checks(s: Services) -> list[ReadinessCheck]:
    """A round trip to the order store (the SQL one and its replica, if any; a test's own has
    none) and to Redis."""
    if not isinstance(s.store, SqlOrderStore):
        return [redis_check(s.redis)]
    return [*sql_store_checks(s.store.engine, s.store.replica), redis_check(s.redis)]


async def open_store(stores: StoreSettings) -> SqlOrderStore:
    """PostgreSQL when configured (with its read replica, if one is), else embedded SQLite;
    migrated to the latest revision (the replica follows the primary's migrations)."""
    engine = sql_engine(stores, "orders")
    await migrate_sql(engine, "orders")
    return SqlOrderStore(engine, sql_replica_engine(stores))


def create_app(
    *,
    open_orders: Callable[[], Awaitable[OrderStore]] | None = None,
    redis_url: str | None = None,
    verifier: TokenVerifier | None = None,
    payments: PaymentProvider | None = None,
    run_relay: bool | None = None,
    follow_catalog: bool = True,
) -> Starlette:
    """The app; by default its stores come from ``SHOPGRAPH_*`` settings (embedded if unset).
    ``run_relay``: the outbox relay in this process (default: ``SHOPGRAPH_ORDERS_RUN_RELAY``)."""
    holder: dict[str, Services] = {}
    settings = OrdersSettings()
    relay_here = settings.orders_run_relay if run_relay is None else run_relay

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stores = StoreSettings().with_redis(redis_url)
        store = await (open_orders or (lambda: open_store(stores)))()
        services = Services(store, redis_client(stores),
                            verifier or settings.verifier(),
                            payments or SandboxPayments())  # fmt: skip
        holder["services"] = services
        stop = asyncio.Event()
        tasks = []
        if relay_here:
            relay = OutboxRelay(store, services.redis)
            tasks.append(asyncio.create_task(relay.run(stop), name="outbox"))
        if follow_catalog:
            follower = CatalogFollower(services.redis, store, consumer=socket.gethostname())
            tasks.append(asyncio.create_task(follower.run(stop), name="catalog-follower"))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                await task
            await services.feed.aclose()
            await services.store.close()
            await services.redis.aclose()

    graphql = SubgraphGraphQL(schema, lambda: holder["services"], request_context)
    return subgraph_app(graphql, verifier=lambda: holder["services"].verifier, lifespan=lifespan,
                        readiness=lambda: readiness_checks(holder["services"]))  # fmt: skip
