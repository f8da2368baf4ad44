"""SQL engines for the orders and users stores: PostgreSQL through asyncpg, or embedded SQLite.

Both run the same SQLAlchemy Core tables and the same Alembic migrations
(``datastores/migrations``); ``migrate_sql`` brings a database to the latest revision.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datastores.embedded import sqlite_engine
from datastores.settings import StoreSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def asyncpg_url(url: str) -> str:
    """``postgresql://…`` as SQLAlchemy's asyncpg dialect wants it."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def sql_engine(stores: StoreSettings, embedded_name: str) -> AsyncEngine:
    """PostgreSQL when ``SHOPGRAPH_POSTGRES_URL`` is set, else ``<data dir>/<name>.db``."""
    if stores.postgres_url:
        return create_async_engine(asyncpg_url(stores.postgres_url), pool_size=10, max_overflow=10)
    return sqlite_engine(stores.data_dir / f"{embedded_name}.db")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def migrate_sql(engine: AsyncEngine) -> None:
    """Upgrade the database behind ``engine`` to the latest migration."""
    url = engine.url.render_as_string(hide_password=False)
    # Alembic's env runs its own event loop work on a connection; keep it off this loop.
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
