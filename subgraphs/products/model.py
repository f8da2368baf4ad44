"""The catalog's data, as plain values the stores read and write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units (cents) and an ISO 4217 currency code."""

    amount: int
    currency: str


@dataclass(frozen=True)
class Variant:
    sku: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    price: Money | None = None
    """Overrides the product's price when set."""


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    name: str
    description: str
    brand: str
    category_ids: list[str]
    price: Money
    vendor_id: str
    created_at: datetime
    updated_at: datetime
    variants: list[Variant] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    image_keys: list[str] = field(default_factory=list)
    rating_count: int = 0
    rating_total: int = 0
    revision: int = 1
    """1 when created, one more with each change the store makes (an edit, a review). It
    orders two snapshots of the product: the search index keeps the higher one, whatever
    order their events arrive in."""


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    slug: str
    parent_id: str | None = None


@dataclass(frozen=True)
class Vendor:
    id: str
    name: str


@dataclass(frozen=True)
class Review:
    id: str
    product_id: str
    author_id: str
    rating: int
    title: str
    body: str
    created_at: datetime
