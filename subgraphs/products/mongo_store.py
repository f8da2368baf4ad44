"""The catalog on MongoDB, through PyMongo's async API.

Reads follow the client's read preference (``SHOPGRAPH_MONGO_READ_PREFERENCE``), except those a
write decides on (is the product there? which of these are new?): they read the primary, so a
lagging secondary cannot turn a review of a product just created into a "no product".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, ReadPreference, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from subgraphs.products.codec import (
    category_from_document,
    money_to_document,
    product_from_document,
    product_to_document,
    review_from_document,
    review_to_document,
    vendor_from_document,
)
from subgraphs.products.model import Category, Product, Review, Vendor
from subgraphs.products.store import (
    DuplicateReviewError,
    DuplicateSkuError,
    NotFoundError,
    Page,
    ProductChanges,
    ProductFilter,
    Seek,
)

Document = dict[str, Any]


class MongoCatalogStore:
    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self.client = client
        self.db: AsyncDatabase[Document] = client[database]
        self._primary_products: AsyncCollection[Document] = self.db.get_collection(
            "products", read_preference=ReadPreference.PRIMARY
        )

    async def products_by_ids(self, ids: Sequence[str]) -> list[Product | None]:
        found = {
            doc["_id"]: product_from_document(doc)
            async for doc in self.db.products.find({"_id": {"$in": list(ids)}})
        }
        return [found.get(i) for i in ids]

    async def products_by_skus(self, skus: Sequence[str]) -> list[Product | None]:
        found = {
            doc["sku"]: product_from_document(doc)
            async for doc in self.db.products.find({"sku": {"$in": list(skus)}})
        }
        return [found.get(s) for s in skus]

    async def find_products(self, where: ProductFilter, seek: Seek) -> Page[Product]:
        query: Document = {}
        if where.category_ids:
            query["category_ids"] = {"$in": list(where.category_ids)}
        if where.vendor_id is not None:
            query["vendor_id"] = where.vendor_id
        price: Document = {}
        if where.min_price is not None:
            price["$gte"] = where.min_price
        if where.max_price is not None:
            price["$lte"] = where.max_price
        if price:
            query["price.amount"] = price
        total = await self.db.products.count_documents(query)
        if seek.after is not None:
            query["_id"] = {"$gt": seek.after}
        cursor = self.db.products.find(query).sort("_id", ASCENDING).limit(seek.first + 1)
        items = [product_from_document(doc) async for doc in cursor]
        return Page(items[: seek.first], len(items) > seek.first, total)

    async def create_product(self, product: Product) -> Product:
        try:
            await self.db.products.insert_one(product_to_document(product))
        except DuplicateKeyError as error:
            raise DuplicateSkuError(f"a product with SKU {product.sku!r} exists") from error
        return product

    async def import_products(
        self, products: Sequence[Product], reviews: Sequence[Review]
    ) -> list[str]:
        ids = [p.id for p in products]
        found = self._primary_products.find({"_id": {"$in": ids}}, {"_id": 1})
        present = {doc["_id"] async for doc in found}
        new = [p for p in products if p.id not in present]
        if not new:
            return []
        added = {p.id for p in new}
        new_reviews = [r for r in reviews if r.product_id in added]
        summaries: dict[str, tuple[int, int]] = {}
        for review in new_reviews:
            count, total = summaries.get(review.product_id, (0, 0))
            summaries[review.product_id] = (count + 1, total + review.rating)
        documents = []
        for product in new:
            count, total = summaries.get(product.id, (0, 0))
            documents.append(
                {**product_to_document(product), "rating_count": count, "rating_total": total}
            )
        try:
            await self.db.products.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            raise DuplicateSkuError(
                f"import refused: {error.details.get('writeErrors', [])[:1]}"
            ) from error
        if new_reviews:
            await self.db.reviews.insert_many(
                [review_to_document(r) for r in new_reviews], ordered=False
            )
        return [p.id for p in new]

    async def update_product(self, product_id: str, changes: ProductChanges) -> Product:
        update: Document = {"updated_at": datetime.now(UTC)}
        for name in ("name", "description", "brand", "attributes"):
            value = getattr(changes, name)
            if value is not None:
                update[name] = value
        if changes.category_ids is not None:
            update["category_ids"] = sorted(changes.category_ids)
        if changes.image_keys is not None:
            update["image_keys"] = list(changes.image_keys)
        if changes.price is not None:
            update["price"] = money_to_document(changes.price)
        doc = await self.db.products.find_one_and_update(
            {"_id": product_id},
            {"$set": update, "$inc": {"revision": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFoundError(f"no product {product_id!r}")
        return product_from_document(doc)

    async def categories(self) -> list[Category]:
        cursor = self.db.categories.find({}).sort("_id", ASCENDING)
        return [category_from_document(doc) async for doc in cursor]

    async def vendors_by_ids(self, ids: Sequence[str]) -> list[Vendor | None]:
        found = {
            doc["_id"]: vendor_from_document(doc)
            async for doc in self.db.vendors.find({"_id": {"$in": list(ids)}})
        }
        return [found.get(i) for i in ids]

    async def add_review(self, review: Review) -> Product:
        product = await self._primary_products.find_one({"_id": review.product_id}, {"_id": 1})
        if product is None:
            raise NotFoundError(f"no product {review.product_id!r}")
        try:
            await self.db.reviews.insert_one(review_to_document(review))
        except DuplicateKeyError as error:
            raise DuplicateReviewError("you have already reviewed this product") from error
        # The product as this write left it, from the primary: a secondary's copy may not have
        # the review counted yet, and an event made from it would undo the count in search.
        doc = await self._primary_products.find_one_and_update(
            {"_id": review.product_id},
            {"$inc": {"rating_count": 1, "rating_total": review.rating, "revision": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFoundError(f"no product {review.product_id!r}")
        return product_from_document(doc)

    async def reviews_for_product(self, product_id: str, seek: Seek) -> Page[Review]:
        query: Document = {"product_id": product_id}
        total = await self.db.reviews.count_documents(query)
        if seek.after is not None:
            query["_id"] = {"$gt": seek.after}
        cursor = self.db.reviews.find(query).sort("_id", ASCENDING).limit(seek.first + 1)
        items = [review_from_document(doc) async for doc in cursor]
        return Page(items[: seek.first], len(items) > seek.first, total)

    async def save_categories(self, categories: Sequence[Category]) -> None:
        for category in categories:
            await self.db.categories.replace_one(
                {"_id": category.id},
                {"name": category.name, "slug": category.slug, "parent_id": category.parent_id},
                upsert=True,
            )

    async def save_vendors(self, vendors: Sequence[Vendor]) -> None:
        for vendor in vendors:
            await self.db.vendors.replace_one(
                {"_id": vendor.id}, {"name": vendor.name}, upsert=True
            )

    async def close(self) -> None:
        await self.client.close()
