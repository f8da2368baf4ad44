"""``shopgraph migrate``: what the chart's pre-install/pre-upgrade Job runs."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from elasticsearch import AsyncElasticsearch
from pymongo import AsyncMongoClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from datastores.settings import STORE_URL_VARIABLES, StoreSettings
from datastores.sql import asyncpg_url
from shopgraph.cli import main
from shopgraph.migrate import migrate_stores


def test_migrate_prepares_the_embedded_stores_and_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in STORE_URL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SHOPGRAPH_DATA_DIR", str(tmp_path))
    for _ in range(2):  # the second run finds everything in place
        result = CliRunner().invoke(main, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "orders: SQL schema at its latest revision (sqlite)" in result.output
        assert "users: SQL schema at its latest revision (sqlite)" in result.output
        assert "stores migrated" in result.output
    assert {p.name for p in tmp_path.iterdir()} >= {"orders.db", "users.db", "catalog.db",
                                                     "search.db"}  # fmt: skip


async def test_migrate_prepares_postgres_mongodb_and_elasticsearch(
    postgres_url: str,
    mongo_url: str,
    elasticsearch_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setenv("SHOPGRAPH_SEARCH_ALIAS", f"migrate-{suffix}")
    stores = StoreSettings(postgres_url=postgres_url, mongo_url=mongo_url,
                           mongo_database=f"migrate_{suffix}",
                           elasticsearch_url=elasticsearch_url)  # fmt: skip
    said: list[str] = []
    await migrate_stores(stores, said.append)
    await migrate_stores(stores, said.append)
    assert said[0] == "orders: SQL schema at its latest revision (postgresql)"
    assert said[-1].startswith("search: Elasticsearch index behind alias")
    assert "catalog: MongoDB nothing to do" in said[-2], said

    engine = create_async_engine(asyncpg_url(postgres_url))
    async with engine.connect() as connection:
        for schema in ("orders", "users"):
            count = text(f"SELECT count(*) FROM alembic_version_{schema}")  # noqa: S608
            assert (await connection.execute(count)).scalar() == 1
    await engine.dispose()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
    names = {i["name"] async for i in await client[f"migrate_{suffix}"].products.list_indexes()}
    await client.close()
    assert "vendor" in names
    elasticsearch = AsyncElasticsearch(elasticsearch_url)
    assert await elasticsearch.indices.exists_alias(name=f"migrate-{suffix}")
    await elasticsearch.close()
