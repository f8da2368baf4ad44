"""The catalog on SQL through SQLAlchemy (SQLite for ``shopgraph dev``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from datastores.embedded import add_missing_columns
from subgraphs.products.codec import aware
from subgraphs.products.model import Category, Money, Product, Review, Variant, Vendor
from subgraphs.products.store import (
    DuplicateReviewError,
    DuplicateSkuError,
    NotFoundError,
    Page,
    ProductChanges,
    ProductFilter,
    Seek,
)

metadata = MetaData()
products = Table(
    "catalog_products", metadata,
    Column("id", String(64), primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("brand", String(100), nullable=False),
    Column("vendor_id", String(64), nullable=False, index=True),
    Column("price_amount", Integer, nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("details", JSON, nullable=False),
    Column("rating_count", Integer, nullable=False, default=0),
    Column("rating_total", Integer, nullable=False, default=0),
    Column("revision", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)  # fmt: skip
product_categories = Table(
    "catalog_product_categories", metadata,
    Column("product_id", ForeignKey("catalog_products.id"), primary_key=True),
    Column("category_id", String(64), primary_key=True, index=True),
)  # fmt: skip
categories = Table(
    "catalog_categories", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("parent_id", String(64)),
)  # fmt: skip
vendors = Table(
    "catalog_vendors", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
)  # fmt: skip
reviews = Table(
    "catalog_reviews", metadata,
    Column("id", String(64), primary_key=True),
    Column("product_id", ForeignKey("catalog_products.id"), nullable=False),
    Column("author_id", String(64), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("product_id", "author_id", name="one_review_per_user"),
)  # fmt: skip


class SqlCatalogStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create_tables(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await add_missing_columns(conn, products.name, ADDED_COLUMNS)

    async def products_by_ids(self, ids: Sequence[str]) -> list[Product | None]:
        async with self.engine.connect() as conn:
            found = await _load(conn, products.c.id.in_(list(ids)))
        by_id = {p.id: p for p in found}
        return [by_id.get(i) for i in ids]

    async def products_by_skus(self, skus: Sequence[str]) -> list[Product | None]:
        async with self.engine.connect() as conn:
            found = await _load(conn, products.c.sku.in_(list(skus)))
        by_sku = {p.sku: p for p in found}
        return [by_sku.get(s) for s in skus]

    async def find_products(self, where: ProductFilter, seek: Seek) -> Page[Product]:
        conditions: list[ColumnElement[bool]] = []
        if where.category_ids:
            conditions.append(
                products.c.id.in_(
                    select(product_categories.c.product_id).where(
                        product_categories.c.category_id.in_(list(where.category_ids))
                    )
                )
            )
        if where.vendor_id is not None:
            conditions.append(products.c.vendor_id == where.vendor_id)
        if where.min_price is not None:
            conditions.append(products.c.price_amount >= where.min_price)
        if where.max_price is not None:
            conditions.append(products.c.price_amount <= where.max_price)
        async with self.engine.connect() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(products).where(*conditions))
            ).scalar_one()
            if seek.after is not None:
                conditions.append(products.c.id > seek.after)
            items = await _load(conn, *conditions, limit=seek.first + 1)
        return Page(items[: seek.first], len(items) > seek.first, int(total))

    async def create_product(self, product: Product) -> Product:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(products.insert().values(**_row(product)))
                await _set_categories(conn, product.id, product.category_ids)
        except IntegrityError as error:
            raise DuplicateSkuError(f"a product with SKU {product.sku!r} exists") from error
        return product

    async def import_products(
        self, items: Sequence[Product], given_reviews: Sequence[Review]
    ) -> list[str]:
        try:
            return await self._import(items, given_reviews)
        except IntegrityError as error:
            raise DuplicateSkuError(f"import refused: {error.orig}") from error

    async def _import(self, items: Sequence[Product], given_reviews: Sequence[Review]) -> list[str]:
        async with self.engine.begin() as conn:
            ids = [p.id for p in items]
            present = set(
                (await conn.execute(select(products.c.id).where(products.c.id.in_(ids)))).scalars()
            )
            new = [p for p in items if p.id not in present]
            if not new:
                return []
            added = {p.id for p in new}
            new_reviews = [r for r in given_reviews if r.product_id in added]
            summaries = _rating_summaries(new_reviews)
            rows = []
            for product in new:
                count, total = summaries.get(product.id, (0, 0))
                rows.append({**_row(product), "rating_count": count, "rating_total": total})
            await conn.execute(products.insert(), rows)
            links = [{"product_id": p.id, "category_id": c} for p in new for c in p.category_ids]
            if links:
                await conn.execute(product_categories.insert(), links)
            if new_reviews:
                await conn.execute(reviews.insert(), [r.__dict__ for r in new_reviews])
        return [p.id for p in new]

    async def update_product(self, product_id: str, changes: ProductChanges) -> Product:
        async with self.engine.begin() as conn:
            found = await _load(conn, products.c.id == product_id)
            if not found:
                raise NotFoundError(f"no product {product_id!r}")
            current = found[0]
            values: dict[str, Any] = {"updated_at": datetime.now(UTC),
                                      "revision": products.c.revision + 1}  # fmt: skip
            for name in ("name", "description", "brand"):
                if (value := getattr(changes, name)) is not None:
                    values[name] = value
            if changes.price is not None:
                values["price_amount"] = changes.price.amount
                values["price_currency"] = changes.price.currency
            details = _details(current)
            if changes.attributes is not None:
                details["attributes"] = dict(changes.attributes)
            if changes.image_keys is not None:
                details["image_keys"] = list(changes.image_keys)
            values["details"] = details
            await conn.execute(products.update().where(products.c.id == product_id).values(values))
            if changes.category_ids is not None:
                await _set_categories(conn, product_id, changes.category_ids)
            [updated] = await _load(conn, products.c.id == product_id)
        return updated

    async def categories(self) -> list[Category]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(categories).order_by(categories.c.id))).all()
        return [Category(r.id, r.name, r.slug, r.parent_id) for r in rows]

    async def vendors_by_ids(self, ids: Sequence[str]) -> list[Vendor | None]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(vendors).where(vendors.c.id.in_(list(ids))))).all()
        by_id = {r.id: Vendor(r.id, r.name) for r in rows}
        return [by_id.get(i) for i in ids]

    async def add_review(self, review: Review) -> Product:
        try:
            async with self.engine.begin() as conn:
                exists = await conn.scalar(
                    select(products.c.id).where(products.c.id == review.product_id)
                )
                if exists is None:
                    raise NotFoundError(f"no product {review.product_id!r}")
                await conn.execute(reviews.insert().values(**review.__dict__))
                await conn.execute(
                    products.update()
                    .where(products.c.id == review.product_id)
                    .values(rating_count=products.c.rating_count + 1,
                            rating_total=products.c.rating_total + review.rating,
                            revision=products.c.revision + 1)
                )  # fmt: skip
                [reviewed] = await _load(conn, products.c.id == review.product_id)
        except IntegrityError as error:
            raise DuplicateReviewError("you have already reviewed this product") from error
        return reviewed

    async def reviews_for_product(self, product_id: str, seek: Seek) -> Page[Review]:
        condition = reviews.c.product_id == product_id
        async with self.engine.connect() as conn:
            total = await conn.scalar(select(func.count()).select_from(reviews).where(condition))
            query = select(reviews).where(condition)
            if seek.after is not None:
                query = query.where(reviews.c.id > seek.after)
            rows = (await conn.execute(query.order_by(reviews.c.id).limit(seek.first + 1))).all()
        items = [
            Review(r.id, r.product_id, r.author_id, r.rating, r.title, r.body, aware(r.created_at))
            for r in rows
        ]
        return Page(items[: seek.first], len(items) > seek.first, int(total or 0))

    async def save_categories(self, items: Sequence[Category]) -> None:
        async with self.engine.begin() as conn:
            for category in items:
                await conn.execute(categories.delete().where(categories.c.id == category.id))
                await conn.execute(categories.insert().values(**category.__dict__))

    async def save_vendors(self, items: Sequence[Vendor]) -> None:
        async with self.engine.begin() as conn:
            for vendor in items:
                await conn.execute(vendors.delete().where(vendors.c.id == vendor.id))
                await conn.execute(vendors.insert().values(**vendor.__dict__))

    async def close(self) -> None:
        await self.engine.dispose()


ADDED_COLUMNS = {"revision": "INTEGER NOT NULL DEFAULT 0"}
"""Columns of ``catalog_products`` added since its first release, which ``create_all`` does
not add to a table made by an earlier version."""


def _row(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "brand": product.brand,
        "vendor_id": product.vendor_id,
        "price_amount": product.price.amount,
        "price_currency": product.price.currency,
        "details": _details(product),
        "rating_count": product.rating_count,
        "rating_total": product.rating_total,
        "revision": product.revision,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _rating_summaries(items: Sequence[Review]) -> dict[str, tuple[int, int]]:
    """(count, total) of ratings by product."""
    summaries: dict[str, tuple[int, int]] = {}
    for review in items:
        count, total = summaries.get(review.product_id, (0, 0))
        summaries[review.product_id] = (count + 1, total + review.rating)
    return summaries


def _details(product: Product) -> dict[str, Any]:
    return {
        "variants": [
            {"sku": v.sku, "name": v.name, "attributes": v.attributes,
             "price": [v.price.amount, v.price.currency] if v.price else None}
            for v in product.variants
        ],
        "attributes": dict(product.attributes),
        "image_keys": list(product.image_keys),
    }  # fmt: skip


async def _set_categories(conn: AsyncConnection, product_id: str, ids: Sequence[str]) -> None:
    await conn.execute(
        product_categories.delete().where(product_categories.c.product_id == product_id)
    )
    if ids:
        await conn.execute(
            product_categories.insert(),
            [{"product_id": product_id, "category_id": c} for c in ids],
        )


async def _load(conn: AsyncConnection, *conditions: Any, limit: int | None = None) -> list[Product]:
    query = select(products).where(*conditions).order_by(products.c.id)
    if limit is not None:
        query = query.limit(limit)
    rows = (await conn.execute(query)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    links = (
        await conn.execute(
            select(product_categories).where(product_categories.c.product_id.in_(ids))
        )
    ).all()
    by_product: dict[str, list[str]] = {}
    for link in sorted(links, key=lambda link: link.category_id):
        by_product.setdefault(link.product_id, []).append(link.category_id)
    return [_product(r, by_product.get(r.id, [])) for r in rows]


def _product(row: Any, category_ids: list[str]) -> Product:
    details = row.details
    return Product(
        id=row.id,
        sku=row.sku,
        name=row.name,
        description=row.description,
        brand=row.brand,
        category_ids=category_ids,
        price=Money(row.price_amount, row.price_currency),
        vendor_id=row.vendor_id,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        variants=[
            Variant(
                v["sku"],
                v["name"],
                dict(v["attributes"]),
                Money(v["price"][0], v["price"][1]) if v["price"] else None,
            )
            for v in details["variants"]
        ],
        attributes=dict(details["attributes"]),
        image_keys=list(details["image_keys"]),
        rating_count=row.rating_count,
        rating_total=row.rating_total,
        revision=row.revision,
    )
