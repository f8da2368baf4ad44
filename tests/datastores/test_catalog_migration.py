"""The catalog's MongoDB migration step, on the MongoDB-compatible test server, run twice."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import AsyncMongoClient

from datastores.catalog_mongo import migrate_catalog


async def test_migration_creates_indexes_and_is_safe_to_run_again(mongo_url: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    db = client[f"migrate_{uuid.uuid4().hex[:10]}"]
    try:
        first = await migrate_catalog(db)
        assert first.applied == ["products indexes", "reviews indexes"]
        second = await migrate_catalog(db)
        assert second.applied == [], "nothing left to do the second time"
        product_indexes = {i["name"]: i async for i in await db.products.list_indexes()}
        assert product_indexes["sku_unique"]["unique"] is True
        assert {"category", "vendor"} <= product_indexes.keys()
        review_indexes = {i["name"] async for i in await db.reviews.list_indexes()}
        assert "one_review_per_user" in review_indexes
        # What the test server (FerretDB) can't do is said, not hidden, each time.
        assert second.skipped == first.skipped
        assert [s.split(" (")[0] for s in first.skipped] == [
            "products validator", "products text index",
        ]  # fmt: skip
    finally:
        await client.drop_database(db.name)
        await client.close()
