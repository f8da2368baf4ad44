"""The users subgraph's tables (SQLAlchemy Core), created by ``datastores/migrations``."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, MetaData, String, Table

metadata = MetaData()

user_profiles = Table(
    "user_profiles", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("language", String(10), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("newsletter", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)  # fmt: skip

user_addresses = Table(
    "user_addresses", metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("label", String(50), nullable=False),
    Column("recipient", String(100), nullable=False),
    Column("line1", String(200), nullable=False),
    Column("line2", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("country", String(2), nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)  # fmt: skip
