"""The Alembic migrations build exactly the tables the code declares, on PostgreSQL and on
embedded SQLite, each schema alone or both in one database, and running them again changes
nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datastores.embedded import sqlite_engine
from datastores.sql import asyncpg_url, migrate_sql
from subgraphs.orders.tables import metadata as orders_metadata
from subgraphs.users.tables import metadata as users_metadata


@pytest.fixture(params=["postgres", "sqlite"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path / "orders.db")
        yield engine
        await engine.dispose()
        return
    url = asyncpg_url(request.getfixturevalue("postgres_url"))
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    name = f"migrate_{uuid.uuid4().hex[:10]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_async_engine(url.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    await engine.dispose()
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{name}"'))
    await admin.dispose()


METADATA = {"orders": orders_metadata, "users": users_metadata}


def _differences(connection: Connection, schemas: list[str]) -> list[Any]:
    metadata = MetaData()
    for schema in schemas:
        for table in METADATA[schema].tables.values():
            table.to_metadata(metadata)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [d for d in compare_metadata(context, metadata) if d[0] != "remove_table"
            or not d[1].name.startswith("alembic_version_")]  # fmt: skip


HEADS = {"orders": "0003_inventory_catalog_revision", "users": "0001_users"}


@pytest.mark.parametrize("schemas", [["orders"], ["users"], ["orders", "users"]])
async def test_migrations_match_the_tables_and_run_twice(
    engine: AsyncEngine, schemas: list[str]
) -> None:
    for _ in range(2):
        for schema in schemas:
            await migrate_sql(engine, schema)
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences, schemas) == []
        for schema in schemas:
            table = f"alembic_version_{schema}"
            version = await conn.execute(text(f"SELECT version_num FROM {table}"))  # noqa: S608
            assert version.scalar() == HEADS[schema]


async def test_services_starting_together_migrate_safely(engine: AsyncEngine) -> None:
    await asyncio.gather(*(migrate_sql(engine, schema) for schema in ("orders", "users") * 2))
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences, ["orders", "users"]) == []
