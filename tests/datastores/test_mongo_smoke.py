"""The MongoDB-wire test server (FerretDB) over PyMongo's AsyncMongoClient."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError


@pytest.fixture
async def products(mongo_url: str) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    collection = client["smoke"]["products"]
    await collection.drop()
    await collection.create_index("sku", unique=True)
    yield collection
    await client.close()


async def test_insert_and_find(products: AsyncCollection[dict[str, Any]]) -> None:
    result = await products.insert_one({"sku": "SKU-1", "name": "Kettle"})
    found = await products.find_one({"_id": result.inserted_id})
    assert found is not None
    assert found["name"] == "Kettle"


async def test_unique_index_violation_raises(products: AsyncCollection[dict[str, Any]]) -> None:
    await products.insert_one({"sku": "SKU-1", "name": "Kettle"})
    with pytest.raises(DuplicateKeyError):
        await products.insert_one({"sku": "SKU-1", "name": "Another kettle"})
    assert await products.count_documents({}) == 1


async def test_in_query(products: AsyncCollection[dict[str, Any]]) -> None:
    await products.insert_many([{"sku": f"SKU-{n}", "name": f"Product {n}"} for n in range(1, 6)])
    cursor = products.find({"sku": {"$in": ["SKU-2", "SKU-4", "SKU-9"]}}).sort("sku", 1)
    names = [doc["name"] async for doc in cursor]
    assert names == ["Product 2", "Product 4"]
