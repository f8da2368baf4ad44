"""Catalog rules: who may change what, what valid input is, and the events writes emit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from subgraphs.common.auth import Viewer
from subgraphs.common.errors import client_error
from subgraphs.common.events import CatalogEvents, ProductSnapshot
from subgraphs.common.permissions import CATALOG_WRITE, require_scope
from subgraphs.products.model import Money, Product, Review
from subgraphs.products.store import CatalogError, CatalogStore, ProductChanges

SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,63}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_PRICE = 100_000_000  # one million in major units
T = TypeVar("T")


@dataclass(frozen=True)
class NewProduct:
    sku: str
    name: str
    description: str
    brand: str
    category_ids: Sequence[str]
    price: Money
    vendor_id: str
    attributes: dict[str, str]
    image_keys: Sequence[str]


class CatalogService:
    def __init__(self, store: CatalogStore, events: CatalogEvents) -> None:
        self.store = store
        self.events = events

    async def create_product(self, viewer: Viewer, new: NewProduct) -> Product:
        _require_catalog_writer(viewer, new.vendor_id)
        _check_text("name", new.name, 200)
        _check_text("brand", new.brand, 100, allow_empty=True)
        _check_text("description", new.description, 10_000, allow_empty=True)
        if not SKU.match(new.sku):
            raise client_error(
                f"invalid SKU {new.sku!r}: 3-64 of A-Z, 0-9 and '-'", "BAD_USER_INPUT"
            )
        _check_money(new.price)
        now = datetime.now(UTC)
        product = Product(
            id=f"p-{uuid.uuid4().hex[:12]}", sku=new.sku, name=new.name.strip(),
            description=new.description, brand=new.brand, category_ids=sorted(new.category_ids),
            price=new.price, vendor_id=new.vendor_id, created_at=now, updated_at=now,
            variants=[], attributes=dict(new.attributes), image_keys=list(new.image_keys),
        )  # fmt: skip
        created = await _catalog_call(self.store.create_product(product))
        await self._emit(created, "created")
        return created

    async def update_product(
        self, viewer: Viewer, product_id: str, changes: ProductChanges
    ) -> Product:
        await self._require_owner(viewer, product_id)
        if changes.name is not None:
            _check_text("name", changes.name, 200)
        if changes.price is not None:
            _check_money(changes.price)
        updated = await _catalog_call(self.store.update_product(product_id, changes))
        await self._emit(updated, "updated")
        return updated

    async def set_price(self, viewer: Viewer, product_id: str, price: Money) -> Product:
        await self._require_owner(viewer, product_id)
        _check_money(price)
        updated = await _catalog_call(
            self.store.update_product(product_id, ProductChanges(price=price))
        )
        await self._emit(updated, "price")
        return updated

    async def add_review(self, viewer: Viewer, product_id: str, rating: int, title: str,
                         body: str) -> Review:  # fmt: skip
        if not viewer.authenticated or viewer.subject is None:
            raise client_error("sign in to review a product", "UNAUTHENTICATED")
        if not 1 <= rating <= 5:
            raise client_error(f"rating must be 1 to 5, not {rating}", "BAD_USER_INPUT")
        _check_text("title", title, 200)
        _check_text("body", body, 5000)
        review = Review(f"r-{uuid.uuid4().hex[:12]}", product_id, viewer.subject, rating,
                        title.strip(), body.strip(), datetime.now(UTC))  # fmt: skip
        reviewed = await _catalog_call(self.store.add_review(review))
        await self._emit(reviewed, "reviewed")
        return review

    async def _emit(self, product: Product, change: str) -> None:
        categories = {c.id: c.name for c in await self.store.categories()}
        await self.events.product_changed(snapshot(product, categories), change)

    async def _require_owner(self, viewer: Viewer, product_id: str) -> None:
        if not viewer.authenticated:
            raise client_error("sign in to change the catalog", "UNAUTHENTICATED")
        [product] = await self.store.products_by_ids([product_id])
        if product is None:
            raise client_error(f"no product {product_id!r}", "NOT_FOUND")
        _require_catalog_writer(viewer, product.vendor_id)


async def _catalog_call(call: Awaitable[T]) -> T:
    """Run a store call; a broken catalog rule becomes a client error with its code."""
    try:
        return await call
    except CatalogError as error:
        raise client_error(str(error), error.code) from error


def _require_catalog_writer(viewer: Viewer, vendor_id: str) -> None:
    if not viewer.authenticated:
        raise client_error("sign in to change the catalog", "UNAUTHENTICATED")
    if not (viewer.is_admin or ("vendor" in viewer.roles and viewer.vendor_id == vendor_id)):
        raise client_error("only an admin or the product's vendor may change it", "FORBIDDEN")
    require_scope(viewer, CATALOG_WRITE)


def _check_text(field: str, value: str, limit: int, *, allow_empty: bool = False) -> None:
    if not allow_empty and not value.strip():
        raise client_error(f"{field} must not be empty", "BAD_USER_INPUT")
    if len(value) > limit:
        raise client_error(f"{field} is longer than {limit} characters", "BAD_USER_INPUT")


def _check_money(money: Money) -> None:
    if not CURRENCY.match(money.currency):
        raise client_error(
            f"invalid currency {money.currency!r}: three letters, like EUR", "BAD_USER_INPUT"
        )
    if not 0 <= money.amount <= MAX_PRICE:
        raise client_error(f"price amount must be 0 to {MAX_PRICE} minor units", "BAD_USER_INPUT")


def snapshot(product: Product, category_names: dict[str, str]) -> ProductSnapshot:
    """What a catalog event says about a product (what search indexes)."""
    count, total = product.rating_count, product.rating_total
    return ProductSnapshot(
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        brand=product.brand,
        category_ids=list(product.category_ids),
        vendor_id=product.vendor_id,
        price_amount=product.price.amount,
        currency=product.price.currency,
        rating=round(total / count, 2) if count else None,
        created_at=product.created_at.isoformat(),
        categories=[category_names[c] for c in product.category_ids if c in category_names],
        rating_count=count,
        revision=product.revision,
    )
