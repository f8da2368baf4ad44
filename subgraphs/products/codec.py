"""Catalog values to and from documents (MongoDB) and JSON columns (SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from subgraphs.products.model import Category, Money, Product, Review, Variant, Vendor


def product_to_document(product: Product) -> dict[str, Any]:
    return {
        "_id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "brand": product.brand,
        "category_ids": sorted(product.category_ids),
        "price": money_to_document(product.price),
        "vendor_id": product.vendor_id,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "variants": [
            {
                "sku": v.sku,
                "name": v.name,
                "attributes": dict(v.attributes),
                "price": money_to_document(v.price) if v.price else None,
            }
            for v in product.variants
        ],
        "attributes": dict(product.attributes),
        "image_keys": list(product.image_keys),
        "rating_count": product.rating_count,
        "rating_total": product.rating_total,
        "revision": product.revision,
    }


def product_from_document(doc: dict[str, Any]) -> Product:
    return Product(
        id=str(doc["_id"]),
        sku=doc["sku"],
        name=doc["name"],
        description=doc["description"],
        brand=doc["brand"],
        category_ids=list(doc["category_ids"]),
        price=money_from_document(doc["price"]),
        vendor_id=doc["vendor_id"],
        created_at=aware(doc["created_at"]),
        updated_at=aware(doc["updated_at"]),
        variants=[
            Variant(
                v["sku"],
                v["name"],
                dict(v.get("attributes") or {}),
                money_from_document(v["price"]) if v.get("price") else None,
            )
            for v in doc.get("variants") or ()
        ],
        attributes=dict(doc.get("attributes") or {}),
        image_keys=list(doc.get("image_keys") or ()),
        rating_count=int(doc.get("rating_count", 0)),
        rating_total=int(doc.get("rating_total", 0)),
        revision=int(doc.get("revision", 0)),
    )


def money_to_document(money: Money) -> dict[str, Any]:
    return {"amount": money.amount, "currency": money.currency}


def money_from_document(doc: dict[str, Any]) -> Money:
    return Money(int(doc["amount"]), str(doc["currency"]))


def review_to_document(review: Review) -> dict[str, Any]:
    return {
        "_id": review.id,
        "product_id": review.product_id,
        "author_id": review.author_id,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "created_at": review.created_at,
    }


def review_from_document(doc: dict[str, Any]) -> Review:
    return Review(
        id=str(doc["_id"]),
        product_id=doc["product_id"],
        author_id=doc["author_id"],
        rating=int(doc["rating"]),
        title=doc["title"],
        body=doc["body"],
        created_at=aware(doc["created_at"]),
    )


def category_from_document(doc: dict[str, Any]) -> Category:
    return Category(str(doc["_id"]), doc["name"], doc["slug"], doc.get("parent_id"))


def vendor_from_document(doc: dict[str, Any]) -> Vendor:
    return Vendor(str(doc["_id"]), doc["name"])


def aware(moment: datetime) -> datetime:
    """Stores hand back naive UTC datetimes; the catalog speaks in aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
