"""An index made before a field was added keeps working once the new version starts: the
field is added in place (documents written from then on carry it), and a rebuild behind the
alias gives every document its value."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Sequence
from dataclasses import replace
from pathlib import Path

from elasticsearch import AsyncElasticsearch
from sqlalchemy import text

from datastores.embedded import sqlite_engine
from subgraphs.common.events import ProductSnapshot
from subgraphs.search.es_index import MAPPINGS, SETTINGS, ElasticsearchSearchIndex
from subgraphs.search.fts_index import SqliteSearchIndex
from subgraphs.search.index import SearchIndex, SearchQuery, SortOrder
from tests.subgraphs.search.test_search_contract import doc, ids

BEFORE = ("rating_count", "rating_rank")
"""The fields an index made before weighted ratings lacks."""
DOCUMENTS = [
    doc(1, "One Review Wonder", rating=5.0, rating_count=1),
    doc(2, "Crowd Favourite", rating=4.6, rating_count=40),
]


async def each(documents: Sequence[ProductSnapshot]) -> AsyncIterable[ProductSnapshot]:
    for document in documents:
        yield document


async def upgraded_then_rebuilt(index: SearchIndex) -> None:
    await index.ensure_index()
    assert await index.index(DOCUMENTS) == {}, "the new fields are accepted"
    query = SearchQuery("", sort=SortOrder.RATING, first=5)
    assert ids((await index.search(query)).hits) == ["p-0002", "p-0001"]
    assert await index.rebuild(each(DOCUMENTS)) == 2
    assert ids((await index.search(query)).hits) == ["p-0002", "p-0001"]


async def test_an_old_elasticsearch_index_gets_the_new_fields(elasticsearch_url: str) -> None:
    client = AsyncElasticsearch(elasticsearch_url)
    alias = f"products-{uuid.uuid4().hex[:12]}"
    old = {"dynamic": "strict", "properties": {
        k: v for k, v in MAPPINGS["properties"].items() if k not in BEFORE
    }}  # fmt: skip
    await client.indices.create(index=f"{alias}-1", settings=SETTINGS, mappings=old)
    await client.indices.put_alias(index=f"{alias}-1", name=alias)
    index = ElasticsearchSearchIndex(client, alias)
    try:
        await upgraded_then_rebuilt(index)
    finally:
        await client.indices.delete(index=f"{alias}-*")
        await index.close()


async def test_an_old_elasticsearch_index_orders_revisions_once_rebuilt(
    elasticsearch_url: str,
) -> None:
    """An index made before revisions holds its documents at Elasticsearch's own versions,
    which a product's revision can't be compared with: it keeps the last write, as it did,
    until a rebuild makes an index whose versions are the revisions."""
    client = AsyncElasticsearch(elasticsearch_url)
    alias = f"products-{uuid.uuid4().hex[:12]}"
    old = {k: v for k, v in MAPPINGS.items() if k != "_meta"}
    await client.indices.create(index=f"{alias}-1", settings=SETTINGS, mappings=old)
    await client.indices.put_alias(index=f"{alias}-1", name=alias)
    index = ElasticsearchSearchIndex(client, alias)
    newer = replace(DOCUMENTS[0], name="Newer Lamp", revision=3)
    older = replace(DOCUMENTS[0], name="Older Lamp", revision=2)
    try:
        await index.ensure_index()
        for _ in range(3):  # Elasticsearch's own version of the document passes 2
            await index.index([newer])
        assert await index.index([older]) == {}
        assert ids((await index.search(SearchQuery("older"))).hits) == ["p-0001"]
        assert await index.rebuild(each([newer])) == 1
        assert await index.index([older]) == {}
        assert ids((await index.search(SearchQuery("newer"))).hits) == ["p-0001"]
        assert (await index.search(SearchQuery("older"))).total == 0
    finally:
        await client.indices.delete(index=f"{alias}-*")
        await index.close()


async def test_an_old_sqlite_index_gets_the_new_column(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path / "search.db")
    async with engine.begin() as conn:
        await conn.execute(
            text("""CREATE TABLE search_docs (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, name_folded TEXT NOT NULL,
            brand TEXT NOT NULL, vendor_id TEXT NOT NULL, price_amount INTEGER NOT NULL,
            rating REAL, created_at TEXT NOT NULL)""")
        )
    index = SqliteSearchIndex(engine)
    try:
        await upgraded_then_rebuilt(index)
    finally:
        await index.close()


async def test_indices_are_built_with_the_configured_replica_shards(elasticsearch_url: str) -> None:
    """``SHOPGRAPH_SEARCH_INDEX_REPLICAS``: the first index and every rebuild carry it."""
    client = AsyncElasticsearch(elasticsearch_url)
    alias = f"products-{uuid.uuid4().hex[:12]}"
    index = ElasticsearchSearchIndex(client, alias, replicas=1)
    try:
        await index.ensure_index()
        await index.rebuild(each(DOCUMENTS))
        settings = await client.indices.get_settings(index=alias)
        [(_, current)] = settings.body.items()
        assert current["settings"]["index"]["number_of_replicas"] == "1"
    finally:
        await client.indices.delete(index=f"{alias}-*")
        await index.close()
