"""``shopgraph migrate``: bring every store to what this version of the services needs.

The services still migrate on start-up (an advisory lock keeps concurrent PostgreSQL
migrations in line); running this first, as the chart's pre-upgrade Job does, means no pod of
the new version waits on a migration, and a migration that fails stops the rollout before any
old pod is replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo import AsyncMongoClient

from datastores.catalog_mongo import migrate_catalog
from datastores.settings import StoreSettings
from datastores.sql import SCHEMAS, migrate_sql, sql_engine
from subgraphs.products.app import open_store as open_catalog
from subgraphs.search.app import open_index
from subgraphs.search.settings import SearchSettings


async def migrate_stores(stores: StoreSettings, say: Callable[[str], None]) -> None:
    """Alembic for each SQL schema, the catalog's collections, validator and indexes, and the
    search index behind its alias: each step only adds what is missing, so running it again
    changes nothing."""
    for schema in SCHEMAS:
        engine = sql_engine(stores, schema)
        try:
            await migrate_sql(engine, schema)
        finally:
            await engine.dispose()
        say(f"{schema}: SQL schema at its latest revision ({engine.dialect.name})")
    if stores.mongo_url:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            stores.mongo_url, **stores.mongo_client_options()
        )
        try:
            report = await migrate_catalog(client[stores.mongo_database])
        finally:
            await client.close()
        applied = ", ".join(report.applied) or "nothing to do"
        skipped = f"; skipped: {', '.join(report.skipped)}" if report.skipped else ""
        say(f"catalog: MongoDB {applied}{skipped}")
    else:
        catalog = await open_catalog(stores)
        await catalog.close()
        say("catalog: embedded SQLite tables present")
    settings = SearchSettings()
    index = await open_index(stores, settings)
    await index.close()
    kind = "Elasticsearch" if stores.elasticsearch_url else "embedded SQLite FTS5"
    say(f"search: {kind} index behind alias {settings.search_alias!r} with every mapped field")
