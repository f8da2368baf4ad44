"""What each migration directory's ``env.py`` runs: its migrations on an async engine.

Every subgraph's schema has its own directory and its own version table
(``alembic_version_<name>``), so the subgraphs may share one PostgreSQL database or not. On
PostgreSQL an advisory lock makes services that start together migrate one after another.
"""

from __future__ import annotations

import asyncio
import zlib

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def _run(connection: Connection, version_table: str) -> None:
    context.configure(
        connection=connection,
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate(url: str, version_table: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        lock = zlib.crc32(version_table.encode())
        if postgres:
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock})
            await connection.commit()
        try:
            await connection.run_sync(_run, version_table)
            await connection.commit()
        finally:
            if postgres:
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
                await connection.commit()
    await engine.dispose()


def run() -> None:
    if context.is_offline_mode():
        raise SystemExit("offline (SQL script) migrations are not supported; run them online")
    url = context.config.get_main_option("sqlalchemy.url")
    version_table = context.config.get_main_option("version_table")
    assert url is not None
    assert version_table is not None
    asyncio.run(_migrate(url, version_table))
