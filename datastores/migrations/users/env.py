"""Alembic environment of the users schema."""

from datastores.migrations.runner import run

run()
