"""The orders subgraph's tables (SQLAlchemy Core), created by ``datastores/migrations``.

A test compares these with the migrated database, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

metadata = MetaData()

inventory = Table(
    "inventory", metadata,
    Column("product_id", String(64), primary_key=True),
    Column("vendor_id", String(64), nullable=False, index=True),
    Column("price_amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("available", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("catalog_revision", Integer, nullable=False, server_default="0"),
    CheckConstraint("available >= 0", name="inventory_available_not_negative"),
    CheckConstraint("price_amount >= 0", name="inventory_price_not_negative"),
)  # fmt: skip

orders = Table(
    "orders", metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_amount", Integer, nullable=False),
    Column("shipping", JSON, nullable=False),
    Column("payment_reference", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "idempotency_key", name="orders_one_per_idempotency_key"),
    Index("orders_by_user", "user_id", "created_at"),
)  # fmt: skip

order_items = Table(
    "order_items", metadata,
    Column("order_id", String(40), ForeignKey("orders.id"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("product_id", String(64), nullable=False),
    Column("vendor_id", String(64), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_amount", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    CheckConstraint("quantity > 0", name="order_items_quantity_positive"),
)  # fmt: skip

order_status_history = Table(
    "order_status_history", metadata,
    Column("order_id", String(40), ForeignKey("orders.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", String(200), nullable=False),
)  # fmt: skip

outbox = Table(
    "outbox", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("stream", String(100), nullable=False),
    Column("event_type", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("traceparent", String(64)),
    Index("outbox_unpublished", "id", postgresql_where=text("published_at IS NULL"),
          sqlite_where=text("published_at IS NULL")),
)  # fmt: skip
