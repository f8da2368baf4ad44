"""Fresh, migrated SQL databases for tests: a PostgreSQL database of its own, or a SQLite file."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datastores.embedded import sqlite_engine
from datastores.sql import SCHEMAS, asyncpg_url, migrate_sql


async def migrate_all(engine: AsyncEngine) -> None:
    """Every SQL schema (orders and users) into one database, as a shared database holds them."""
    for schema in SCHEMAS:
        await migrate_sql(engine, schema)


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[AsyncEngine]:
    """A new database on the PostgreSQL test server, migrated; dropped afterwards."""
    url = asyncpg_url(server_url)
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    name = f"t_{uuid.uuid4().hex[:12]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_async_engine(url.rsplit("/", 1)[0] + f"/{name}", pool_size=20,
                                 max_overflow=40)  # fmt: skip
    try:
        await migrate_all(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def sqlite_database(directory: Path) -> AsyncIterator[AsyncEngine]:
    engine = sqlite_engine(directory / f"{uuid.uuid4().hex[:8]}.db")
    try:
        await migrate_all(engine)
        yield engine
    finally:
        await engine.dispose()


@contextmanager
def postgres_database_url(server_url: str) -> Iterator[str]:
    """A new, migrated database for code that opens its own engine (an app under TestClient);
    yields its asyncpg URL. For synchronous fixtures."""
    url = asyncpg_url(server_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    database_url = url.rsplit("/", 1)[0] + f"/{name}"

    async def create() -> None:
        admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        engine = create_async_engine(database_url)
        await migrate_all(engine)
        await engine.dispose()

    async def drop() -> None:
        admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()

    asyncio.run(create())
    try:
        yield database_url
    finally:
        asyncio.run(drop())


@asynccontextmanager
async def database_for(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """A fresh migrated database of the kind the fixture is parametrized with: "postgres" (a
    database of its own on the test server) or "sqlite" (the embedded adapter's)."""
    if request.param == "postgres":
        async with postgres_database(request.getfixturevalue("postgres_url")) as engine:
            yield engine
    else:
        async with sqlite_database(tmp_path) as engine:
            yield engine
