"""Every store client gets its timeouts from ``StoreSettings``, where the service creates it,
and they bound real calls: on the test servers, and on a port that accepts connections and
never answers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from elasticsearch import ConnectionTimeout
from pymongo import AsyncMongoClient
from pymongo.errors import ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import text

from datastores.embedded import redis_client
from datastores.settings import StoreSettings
from datastores.sql import sql_engine
from datastores.testservices.base import free_port
from subgraphs.products.app import open_store
from subgraphs.products.mongo_store import MongoCatalogStore
from subgraphs.search.app import open_index
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.settings import SearchSettings
from tests.support.mongo import LEAVES_A_MONITOR_SOCKET, collect_monitor_sockets

BOUND = 4.0
"""Seconds within which a call bounded at 0.5 s must fail: generous, and far below the
drivers' own defaults (asyncpg 60 s to connect, Elasticsearch 10 s, MongoDB 30 s)."""


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A loopback port that accepts connections, reads what comes and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1])
    for writer in writers:
        writer.close()
    server.close()
    await server.wait_closed()


def test_the_defaults_bound_every_call() -> None:
    stores = StoreSettings()
    assert stores.postgres_command_timeout_seconds == 5.0
    assert stores.postgres_connect_timeout_seconds == 2.0
    assert stores.postgres_pool_timeout_seconds == 5.0
    assert stores.mongo_client_options() == {
        "timeoutMS": 5000, "connectTimeoutMS": 2000, "serverSelectionTimeoutMS": 2000,
        "readPreference": "primary",
    }  # fmt: skip
    assert stores.elasticsearch_client_options() == {
        "request_timeout": 5.0, "max_retries": 2, "retry_on_timeout": False,
        "sniff_on_start": False, "sniff_on_node_failure": False,
    }  # fmt: skip
    assert (stores.redis_timeout_seconds, stores.redis_connect_timeout_seconds) == (5.0, 2.0)


def test_timeouts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPGRAPH_POSTGRES_COMMAND_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("SHOPGRAPH_MONGO_TIMEOUT_SECONDS", "0.25")
    monkeypatch.setenv("SHOPGRAPH_REDIS_RETRIES", "0")
    stores = StoreSettings()
    assert stores.postgres_command_timeout_seconds == 1.5
    assert stores.mongo_client_options()["timeoutMS"] == 250
    assert stores.redis_retries == 0


@pytest.mark.postgres
async def test_a_postgres_statement_is_cut_off_at_the_command_timeout(postgres_url: str) -> None:
    engine = sql_engine(
        StoreSettings(postgres_url=postgres_url, postgres_command_timeout_seconds=0.5), "unused"
    )
    try:
        assert engine.pool.timeout() == 5.0  # type: ignore[attr-defined]
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT pg_sleep(10)"))
        assert time.monotonic() - started < BOUND
        async with engine.connect() as connection:  # the pool recovers
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_connecting_to_postgres_is_cut_off_at_the_connect_timeout(silent_port: int) -> None:
    url = f"postgresql://shop:secret@127.0.0.1:{silent_port}/shop"
    stores = StoreSettings(postgres_url=url, postgres_connect_timeout_seconds=0.5)
    engine = sql_engine(stores, "unused")
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    assert time.monotonic() - started < BOUND


@pytest.mark.redis
async def test_a_redis_command_is_cut_off_at_the_socket_timeout(redis_url: str) -> None:
    redis = redis_client(StoreSettings(redis_url=redis_url, redis_timeout_seconds=0.5))
    try:
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError):
            await redis.blpop([f"nothing:{uuid.uuid4().hex}"], timeout=3)
        assert time.monotonic() - started < 2.5  # not retried: a timed-out command may have run
        assert await redis.ping()
    finally:
        await redis.aclose()


async def test_redis_connections_get_the_timeouts_and_one_retry() -> None:
    redis = redis_client(StoreSettings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    connection: Any = redis.connection_pool.make_connection()  # type: ignore[no-untyped-call]
    assert (connection.socket_timeout, connection.socket_connect_timeout) == (5.0, 2.0)
    assert connection.health_check_interval == 30
    assert connection.retry.get_retries() == 1
    assert connection.retry._supported_errors == (RedisConnectionError,)
    await redis.aclose()


@pytest.mark.mongo
async def test_the_products_mongo_client_gets_the_timeouts(mongo_url: str) -> None:
    stores = StoreSettings(mongo_url=mongo_url, mongo_database=f"t_{uuid.uuid4().hex[:12]}")
    store = await open_store(stores)
    assert isinstance(store, MongoCatalogStore)
    try:
        options = store.client.options
        assert options.timeout == 5.0
        assert options.server_selection_timeout == 2.0
        assert options.pool_options.connect_timeout == 2.0
        assert (await store.client.admin.command("ping"))["ok"] == 1
    finally:
        await store.client.drop_database(store.db.name)
        await store.close()


@LEAVES_A_MONITOR_SOCKET
def test_a_mongo_call_without_a_server_fails_within_server_selection() -> None:
    async def ping_nowhere() -> None:
        options = StoreSettings().mongo_client_options()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            f"mongodb://127.0.0.1:{free_port()}/", **options
        )
        try:
            with pytest.raises(ServerSelectionTimeoutError):
                await client.admin.command("ping")
        finally:
            await client.close()

    started = time.monotonic()
    asyncio.run(ping_nowhere())  # on a loop of its own, closed before the sockets are collected
    assert time.monotonic() - started < 2 * BOUND  # pymongo's own default waits 30 s
    collect_monitor_sockets()


@pytest.mark.elasticsearch
async def test_the_search_elasticsearch_client_gets_the_timeouts(elasticsearch_url: str) -> None:
    alias = f"t-{uuid.uuid4().hex[:12]}"
    index = await open_index(StoreSettings(elasticsearch_url=elasticsearch_url),
                             SearchSettings(search_alias=alias))  # fmt: skip
    assert isinstance(index, ElasticsearchSearchIndex)
    try:
        client: Any = index.client
        assert client._request_timeout == 5.0
        assert (client._max_retries, client._retry_on_timeout) == (2, False)
        assert await index.client.ping()
    finally:
        await index.client.indices.delete(index=f"{alias}-*")
        await index.close()


async def test_an_elasticsearch_call_is_cut_off_at_the_request_timeout(silent_port: int) -> None:
    stores = StoreSettings(
        elasticsearch_url=f"http://127.0.0.1:{silent_port}",
        elasticsearch_request_timeout_seconds=0.5,
        elasticsearch_max_retries=0,
    )
    started = time.monotonic()
    with pytest.raises(ConnectionTimeout):
        await open_index(stores, SearchSettings(search_alias="unreachable"))
    assert time.monotonic() - started < BOUND
