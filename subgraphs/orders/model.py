"""The orders subgraph's data, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class OrderStatus(Enum):
    PLACED = "PLACED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
"""The statuses an order may move to from each status: PLACED → SHIPPED → DELIVERED, or
PLACED → CANCELLED. Once shipped, an order can no longer be cancelled."""


def previous_statuses(status: OrderStatus) -> frozenset[OrderStatus]:
    """The statuses an order may be in to move to ``status``."""
    return frozenset(s for s, following in TRANSITIONS.items() if status in following)


@dataclass(frozen=True)
class StockLevel:
    product_id: str
    vendor_id: str
    price_amount: int
    currency: str
    available: int


@dataclass(frozen=True)
class CatalogFacts:
    """What orders take from a catalog event: a product's vendor and price, as of the
    product's catalog revision (``ProductSnapshot.revision``)."""

    product_id: str
    vendor_id: str
    price_amount: int
    currency: str
    revision: int = 0


@dataclass(frozen=True)
class OrderItem:
    line: int
    product_id: str
    vendor_id: str
    quantity: int
    unit_amount: int
    currency: str


@dataclass(frozen=True)
class StatusChange:
    status: OrderStatus
    at: datetime
    note: str


@dataclass(frozen=True)
class Order:
    id: str
    user_id: str
    idempotency_key: str
    status: OrderStatus
    currency: str
    total_amount: int
    shipping: dict[str, Any]
    payment_reference: str
    created_at: datetime
    updated_at: datetime
    items: list[OrderItem] = field(default_factory=list)
    history: list[StatusChange] = field(default_factory=list)


@dataclass(frozen=True)
class CartLine:
    product_id: str
    quantity: int
