"""The PostgreSQL test server over a real asyncpg connection through SQLAlchemy."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(postgres_url.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS smoke_stock"))
        await conn.execute(
            text("CREATE TABLE smoke_stock (sku text PRIMARY KEY, available int NOT NULL "
                 "CHECK (available >= 0))")
        )  # fmt: skip
    yield engine
    await engine.dispose()


async def test_server_is_postgresql(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        version = (await conn.execute(text("SHOW server_version_num"))).scalar_one()
    assert int(version) >= 130000


async def test_committed_transaction_is_visible(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO smoke_stock VALUES ('A-1', 5), ('A-2', 3)"))
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT sku, available FROM smoke_stock ORDER BY sku"))
        ).all()
    assert [tuple(r) for r in rows] == [("A-1", 5), ("A-2", 3)]


async def test_rolled_back_transaction_leaves_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        await conn.execute(text("INSERT INTO smoke_stock VALUES ('B-1', 1)"))
        inside = (await conn.execute(text("SELECT count(*) FROM smoke_stock"))).scalar_one()
        await transaction.rollback()
    async with engine.connect() as conn:
        after = (await conn.execute(text("SELECT count(*) FROM smoke_stock"))).scalar_one()
    assert (inside, after) == (1, 0)


async def test_constraint_violation_aborts_the_whole_transaction(engine: AsyncEngine) -> None:
    async def insert_then_oversell() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO smoke_stock VALUES ('C-1', 2)"))
            await conn.execute(text("UPDATE smoke_stock SET available = available - 3"))

    with pytest.raises(IntegrityError):
        await insert_then_oversell()
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM smoke_stock"))).scalar_one()
    assert count == 0
