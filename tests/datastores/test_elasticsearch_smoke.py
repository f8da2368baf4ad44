"""The Elasticsearch test server over the official async client."""

from collections.abc import AsyncIterator

import pytest
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_bulk

INDEX = "smoke-products"


@pytest.fixture
async def es(elasticsearch_url: str) -> AsyncIterator[AsyncElasticsearch]:
    client = AsyncElasticsearch(elasticsearch_url)
    await client.options(ignore_status=404).indices.delete(index=INDEX)
    await client.indices.create(
        index=INDEX,
        mappings={
            "properties": {
                "name": {"type": "text"},
                "description": {"type": "text"},
                "brand": {"type": "keyword"},
                "price": {"type": "long"},
            }
        },
        settings={"number_of_shards": 1, "number_of_replicas": 0},
    )
    yield client
    await client.options(ignore_status=404).indices.delete(index=INDEX)
    await client.close()


DOCUMENTS = [
    {"_id": "1", "name": "Steel kettle", "description": "A kettle for tea", "brand": "Acme",
     "price": 2999},
    {"_id": "2", "name": "Red kettle kettle", "description": "Kettle, electric kettle",
     "brand": "Bolt", "price": 4999},
    {"_id": "3", "name": "Teapot", "description": "Porcelain", "brand": "Acme", "price": 1999},
]  # fmt: skip


async def _index_documents(es: AsyncElasticsearch) -> None:
    actions = [{"_index": INDEX, **doc} for doc in DOCUMENTS]
    indexed, errors = await async_bulk(es, actions, refresh="wait_for")
    assert (indexed, errors) == (3, [])


async def test_cluster_is_elasticsearch_8(es: AsyncElasticsearch) -> None:
    info = await es.info()
    assert info["version"]["number"].startswith("8.")


async def test_match_query_ranks_the_better_document_first(es: AsyncElasticsearch) -> None:
    await _index_documents(es)
    result = await es.search(index=INDEX, query={"match": {"description": "kettle"}})
    ids = [hit["_id"] for hit in result["hits"]["hits"]]
    assert ids == ["2", "1"]
    assert result["hits"]["hits"][0]["_score"] > result["hits"]["hits"][1]["_score"]


async def test_terms_aggregation(es: AsyncElasticsearch) -> None:
    await _index_documents(es)
    result = await es.search(index=INDEX, size=0, aggs={"brands": {"terms": {"field": "brand"}}})
    buckets = {b["key"]: b["doc_count"] for b in result["aggregations"]["brands"]["buckets"]}
    assert buckets == {"Acme": 2, "Bolt": 1}
