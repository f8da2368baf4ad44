"""Alembic environment of the orders schema."""

from datastores.migrations.runner import run

run()
