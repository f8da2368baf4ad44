"""Orders, order items, status history, inventory and the outbox.

Revision ID: 0001_orders
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_orders"
down_revision = None
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inventory",
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("price_amount", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available", sa.Integer, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("available >= 0", name="inventory_available_not_negative"),
        sa.CheckConstraint("price_amount >= 0", name="inventory_price_not_negative"),
    )
    op.create_index("ix_inventory_vendor_id", "inventory", ["vendor_id"])
    op.create_table(
        "orders",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_amount", sa.Integer, nullable=False),
        sa.Column("shipping", sa.JSON, nullable=False),
        sa.Column("payment_reference", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("user_id", "idempotency_key", name="orders_one_per_idempotency_key"),
    )
    op.create_index("orders_by_user", "orders", ["user_id", "created_at"])
    op.create_table(
        "order_items",
        sa.Column("order_id", sa.String(40), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_amount", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.CheckConstraint("quantity > 0", name="order_items_quantity_positive"),
    )
    op.create_index("ix_order_items_vendor_id", "order_items", ["vendor_id"])
    op.create_table(
        "order_status_history",
        sa.Column("order_id", sa.String(40), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(50), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("published_at", TIMESTAMP),
    )  # fmt: skip
    op.create_index(
        "outbox_unpublished", "outbox", ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )  # fmt: skip


def downgrade() -> None:
    for table in ("outbox", "order_status_history", "order_items", "orders", "inventory"):
        op.drop_table(table)
