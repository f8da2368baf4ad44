"""The catalog and its search index stay in step: a product renamed through the products
subgraph is found by its new name through the search subgraph within a second. On the test
servers (MongoDB-compatible, Redis, Elasticsearch) and on the embedded stores of
``shopgraph dev`` (SQLite, fakeredis); the indexer runs in the search app.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from pymongo import AsyncMongoClient
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from datastores.catalog_mongo import migrate_catalog
from datastores.seed import build_catalog
from datastores.settings import StoreSettings
from shopgraph.catalog import seed
from subgraphs.common.events import CATALOG_STREAM
from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.app import open_store
from subgraphs.products.mongo_store import MongoCatalogStore
from subgraphs.products.store import CatalogStore
from subgraphs.search.app import create_app as create_search_app
from subgraphs.search.app import open_index
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.index import SearchIndex
from subgraphs.search.settings import SearchSettings
from tests.support.tokens import ADMIN, verifier

SEARCH = '{ search(query: "zephyr") { total hits { product { id } } } }'


def post(client: TestClient, query: str, headers: dict[str, str] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(params=["test servers", "embedded"])
def subgraphs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[
    tuple[TestClient, TestClient]
]:  # fmt: skip
    if request.param == "embedded":
        yield from _embedded(tmp_path)
    else:
        yield from _on_test_servers(
            request.getfixturevalue("mongo_url"),
            request.getfixturevalue("redis_url"),
            request.getfixturevalue("elasticsearch_url"),
        )


def _embedded(data_dir: Path) -> Iterator[tuple[TestClient, TestClient]]:
    stores = StoreSettings(data_dir=data_dir)

    async def open_search() -> SearchIndex:
        index = await open_index(stores, SearchSettings())
        store = await open_store(stores)
        await seed(store, index, catalog=build_catalog(60))
        await store.close()
        return index

    async def open_catalog() -> CatalogStore:
        return await open_store(stores)

    settings = SearchSettings(search_run_indexer=True, search_indexer_consumer="sync-test")
    products = create_products_app(open_catalog=open_catalog, verifier=verifier())
    search = create_search_app(open_search=open_search, verifier=verifier(), settings=settings)
    with TestClient(products) as products_client, TestClient(search) as search_client:
        yield products_client, search_client


def _on_test_servers(
    mongo_url: str, redis_url: str, elasticsearch_url: str
) -> Iterator[tuple[TestClient, TestClient]]:
    name = f"sync_{uuid.uuid4().hex[:10]}"
    with SyncRedis.from_url(redis_url) as redis:
        redis.delete(CATALOG_STREAM)  # and its consumer groups: this test starts the stream

    async def open_catalog() -> MongoCatalogStore:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
        store = MongoCatalogStore(client, name)
        await migrate_catalog(store.db)
        return store

    async def open_search() -> ElasticsearchSearchIndex:
        index = ElasticsearchSearchIndex(AsyncElasticsearch(elasticsearch_url), name)
        await index.ensure_index()
        store = await open_catalog()
        await seed(store, index, catalog=build_catalog(60))  # 60 products, indexed
        await store.close()
        return index

    products = create_products_app(open_catalog=open_catalog, redis_url=redis_url,
                                   verifier=verifier())  # fmt: skip
    search = create_search_app(
        open_search=open_search, redis_url=redis_url, verifier=verifier(),
        settings=SearchSettings(search_run_indexer=True, search_indexer_consumer="sync-test"),
    )  # fmt: skip
    with TestClient(products) as products_client, TestClient(search) as search_client:
        yield products_client, search_client
        search_client.portal.call(_drop, mongo_url, elasticsearch_url, name)  # type: ignore[union-attr]


async def _drop(mongo_url: str, elasticsearch_url: str, name: str) -> None:
    async with AsyncElasticsearch(elasticsearch_url) as es:
        await es.indices.delete(index=f"{name}-*")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    await client.drop_database(name)
    await client.close()


def test_a_renamed_product_is_found_by_its_new_name_within_a_second(
    subgraphs: tuple[TestClient, TestClient],
) -> None:
    products, search = subgraphs
    assert post(search, SEARCH)["data"]["search"]["total"] == 0
    renamed = post(
        products,
        'mutation { updateProduct(id: "p-0042", input: {name: "Zephyr Kettle"}) { id name } }',
        ADMIN,
    )
    assert renamed == {"data": {"updateProduct": {"id": "p-0042", "name": "Zephyr Kettle"}}}
    changed_at = time.monotonic()
    while True:
        result = post(search, SEARCH)["data"]["search"]
        if result["total"]:
            break
        assert time.monotonic() - changed_at < 1.0, "not searchable by its new name within 1 s"
        time.sleep(0.02)
    assert result["hits"] == [{"product": {"id": "p-0042"}}]
    print(f"searchable {time.monotonic() - changed_at:.3f} s after the update")
