"""Every catalog adapter, for the contract tests: MongoDB (FerretDB) and embedded SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from datastores.catalog_mongo import migrate_catalog
from datastores.embedded import sqlite_engine
from subgraphs.products.mongo_store import MongoCatalogStore
from subgraphs.products.sql_store import SqlCatalogStore
from subgraphs.products.store import CatalogStore


async def mongo_store(mongo_url: str) -> MongoCatalogStore:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    store = MongoCatalogStore(client, f"catalog_{uuid.uuid4().hex[:12]}")
    await migrate_catalog(store.db)
    return store


async def sqlite_store(path: Path) -> SqlCatalogStore:
    store = SqlCatalogStore(sqlite_engine(path / "catalog.db"))
    await store.create_tables()
    return store


@pytest.fixture(params=["mongo", "sqlite"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CatalogStore]:
    store: MongoCatalogStore | SqlCatalogStore
    if request.param == "mongo":
        store = await mongo_store(request.getfixturevalue("mongo_url"))
    else:
        store = await sqlite_store(tmp_path)
    yield store
    if isinstance(store, MongoCatalogStore):
        await store.client.drop_database(store.db.name)
    await store.close()
