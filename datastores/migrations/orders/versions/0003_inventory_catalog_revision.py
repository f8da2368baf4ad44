"""Each stock row remembers the catalog revision its price and vendor came from, so that a
catalog event taken late (by another orders instance) cannot put an older price back.

Revision ID: 0003_inventory_catalog_revision
Revises: 0002_outbox_traceparent
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_inventory_catalog_revision"
down_revision = "0002_outbox_traceparent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "inventory",
        sa.Column("catalog_revision", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("inventory", "catalog_revision")
