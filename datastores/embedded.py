"""Connections to the configured stores, or to embedded ones when none is configured.

Embedded SQL stores are SQLite files under ``SHOPGRAPH_DATA_DIR``.

Embedded Redis is one in-process fakeredis server shared by every service of the process, so
that ``shopgraph dev``'s services see each other's streams and keys as they would in Redis.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import fakeredis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from datastores.settings import StoreSettings
from observability.tracing import observe_engine


@cache
def _fake_server() -> Any:
    return fakeredis.FakeServer()


def redis_client(settings: StoreSettings) -> Redis:
    if settings.redis_url:
        return Redis.from_url(
            settings.redis_url,
            decode_responses=True,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_connect_timeout_seconds,
            health_check_interval=settings.redis_health_check_interval_seconds,
            # After a connection error only: a command that timed out may have run.
            retry=Retry(
                ExponentialWithJitterBackoff(base=0.05, cap=0.5),
                settings.redis_retries,
                supported_errors=(RedisConnectionError,),
            ),
        )
    client: Redis = fakeredis.FakeAsyncRedis(server=_fake_server(), decode_responses=True)
    return client


def sqlite_engine(path: Path) -> AsyncEngine:
    """An engine on the SQLite file ``path`` in WAL mode: readers don't wait for the writer,
    and a commit does not wait for the disk (``synchronous=NORMAL``; a power cut may lose the
    last commits of a development database, never corrupt it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(connection: Any, _: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    observe_engine(engine)  # a span per statement, and the store-latency metrics read off them
    return engine


async def add_missing_columns(
    conn: AsyncConnection, table: str, columns: Mapping[str, str]
) -> None:
    """Give a SQLite ``table`` made by an earlier version the ``columns`` (name -> type and
    default) added since: ``CREATE TABLE IF NOT EXISTS`` and ``create_all`` leave a table that
    exists as it is."""
    present = {row.name for row in await conn.execute(text(f"PRAGMA table_info({table})"))}
    for name, kind in columns.items():
        if name not in present:
            await conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
