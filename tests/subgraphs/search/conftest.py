"""Every search adapter, for the contract tests: Elasticsearch and embedded SQLite FTS5."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch

from datastores.embedded import sqlite_engine
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.fts_index import SqliteSearchIndex
from subgraphs.search.index import SearchIndex


async def elasticsearch_index(url: str) -> ElasticsearchSearchIndex:
    index = ElasticsearchSearchIndex(AsyncElasticsearch(url), f"products-{uuid.uuid4().hex[:12]}")
    await index.ensure_index()
    return index


async def sqlite_index(path: Path) -> SqliteSearchIndex:
    index = SqliteSearchIndex(sqlite_engine(path / "search.db"))
    await index.ensure_index()
    return index


async def drop(index: SearchIndex) -> None:
    if isinstance(index, ElasticsearchSearchIndex):
        await index.client.indices.delete(index=f"{index.alias}-*")
    await index.close()


@pytest.fixture(params=["elasticsearch", "sqlite"])
async def search_index(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SearchIndex]:
    index: SearchIndex
    if request.param == "elasticsearch":
        index = await elasticsearch_index(request.getfixturevalue("elasticsearch_url"))
    else:
        index = await sqlite_index(tmp_path)
    yield index
    await drop(index)
