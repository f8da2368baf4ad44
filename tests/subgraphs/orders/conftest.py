"""The orders store on both databases, for the contract tests: PostgreSQL and embedded SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from subgraphs.orders.store import SqlOrderStore
from tests.support.sql import database_for


@pytest.fixture(params=["postgres", "sqlite"])
async def order_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SqlOrderStore]:
    async with database_for(request, tmp_path) as engine:
        yield SqlOrderStore(engine)
