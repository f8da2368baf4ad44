"""The outbox keeps the W3C trace context of the request that wrote each event, so that
publishing and consuming the event continue that request's trace.

Revision ID: 0002_outbox_traceparent
Revises: 0001_orders
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_outbox_traceparent"
down_revision = "0001_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("traceparent", sa.String(64)))


def downgrade() -> None:
    op.drop_column("outbox", "traceparent")
