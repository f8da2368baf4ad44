"""SQL engines for the orders and users stores: PostgreSQL through asyncpg, or embedded SQLite.

Each schema has its Alembic migrations in ``datastores/migrations/<schema>/``, run alike on
both databases; ``migrate_sql`` brings a database to the schema's latest revision.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datastores.embedded import sqlite_engine
from datastores.settings import StoreSettings
from observability.tracing import observe_engine

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMAS = ("orders", "users")
# Alembic keeps its running environment in module globals: one migration at a time per process.
_MIGRATING = threading.Lock()


def asyncpg_url(url: str) -> str:
    """``postgresql://…`` as SQLAlchemy's asyncpg dialect wants it."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def sql_engine(stores: StoreSettings, embedded_name: str) -> AsyncEngine:
    """PostgreSQL when ``SHOPGRAPH_POSTGRES_URL`` is set, else ``<data dir>/<name>.db``."""
    if stores.postgres_url:
        return _postgres_engine(stores.postgres_url, stores)
    return sqlite_engine(stores.data_dir / f"{embedded_name}.db")


def sql_replica_engine(stores: StoreSettings) -> AsyncEngine | None:
    """An engine on the read replica when ``SHOPGRAPH_POSTGRES_REPLICA_URL`` is set beside
    ``SHOPGRAPH_POSTGRES_URL``; None otherwise (the embedded SQLite store has no replica)."""
    if stores.postgres_url and stores.postgres_replica_url:
        return _postgres_engine(stores.postgres_replica_url, stores)
    return None


def _postgres_engine(url: str, stores: StoreSettings) -> AsyncEngine:
    engine = create_async_engine(
        asyncpg_url(url),
        pool_size=10,
        max_overflow=10,
        pool_timeout=stores.postgres_pool_timeout_seconds,
        connect_args={
            "timeout": stores.postgres_connect_timeout_seconds,
            "command_timeout": stores.postgres_command_timeout_seconds,
        },
    )
    observe_engine(engine)  # a span per statement, and the store-latency metrics read off them
    return engine


def alembic_config(url: str, schema: str) -> Config:
    if schema not in SCHEMAS:
        raise ValueError(f"no migrations for schema {schema!r}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / schema))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("version_table", f"alembic_version_{schema}")
    return config


async def migrate_sql(engine: AsyncEngine, schema: str) -> None:
    """Upgrade the database behind ``engine`` to the latest revision of ``schema``."""
    url = engine.url.render_as_string(hide_password=False)
    config = alembic_config(url, schema)

    def upgrade() -> None:
        with _MIGRATING:
            command.upgrade(config, "head")

    # The migration environment runs its own event loop; keep it off this one.
    await asyncio.to_thread(upgrade)
