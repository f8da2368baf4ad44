"""The orders store on both databases, for the contract tests: PostgreSQL and embedded SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from subgraphs.orders.store import SqlOrderStore
from tests.support.sql import postgres_database, sqlite_database


@pytest.fixture(params=["postgres", "sqlite"])
async def order_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SqlOrderStore]:
    if request.param == "postgres":
        async with postgres_database(request.getfixturevalue("postgres_url")) as engine:
            yield SqlOrderStore(engine)
    else:
        async with sqlite_database(tmp_path) as engine:
            yield SqlOrderStore(engine)
