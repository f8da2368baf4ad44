"""``/health/ready`` of every subgraph and of the identity provider: UP on the test servers and
on the embedded stores, 503 naming the store when one cannot be reached (a closed port)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from httpx2 import Response
from pymongo import AsyncMongoClient, MongoClient
from starlette.applications import Starlette
from starlette.testclient import TestClient

from datastores.settings import StoreSettings
from datastores.sql import sql_engine
from datastores.testservices.base import free_port
from subgraphs.orders.app import create_app as orders_app
from subgraphs.products.app import create_app as products_app
from subgraphs.products.mongo_store import MongoCatalogStore
from subgraphs.search.app import create_app as search_app
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.settings import SearchSettings
from subgraphs.users.app import create_app as users_app
from subgraphs.users.identity.app import create_app as identity_app
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.settings import ProviderSettings
from subgraphs.users.store import SqlProfileStore
from tests.support.mongo import LEAVES_A_MONITOR_SOCKET, collect_monitor_sockets
from tests.support.sql import postgres_database_url
from tests.support.tokens import verifier

SECRET = "s3cret-Pa55"
STORE_URLS = ("POSTGRES_URL", "POSTGRES_REPLICA_URL", "MONGO_URL", "ELASTICSEARCH_URL", "REDIS_URL")


def readiness(app: Starlette) -> Response:
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "UP"}  # liveness stays as it was
        return client.get("/health/ready")


def assert_up(response: Response, *stores: str) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "UP"
    assert set(body["checks"]) == set(stores)
    assert all(check["status"] == "UP" for check in body["checks"].values())


def assert_down(response: Response, store: str, *up: str) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "DOWN"
    assert set(body["checks"]) == {store, *up}
    assert [n for n, c in body["checks"].items() if c["status"] == "UP"] == list(up)
    assert SECRET not in response.text
    assert "Traceback" not in response.text
    down: dict[str, Any] = body["checks"][store]
    assert down["status"] == "DOWN"
    assert down["error"]
    return down


@pytest.fixture
def stores_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No store configured (embedded ones under a fresh data directory) until a test sets one."""
    for name in STORE_URLS:
        monkeypatch.delenv(f"SHOPGRAPH_{name}", raising=False)
    monkeypatch.setenv("SHOPGRAPH_DATA_DIR", str(tmp_path))
    return monkeypatch


@pytest.fixture
def postgres(postgres_url: str, stores_env: pytest.MonkeyPatch) -> Iterator[str]:
    with postgres_database_url(postgres_url) as url:
        stores_env.setenv("SHOPGRAPH_POSTGRES_URL", url)
        yield url


def closed_url(scheme: str) -> str:
    return f"{scheme}://shop:{SECRET}@127.0.0.1:{free_port()}"


EMBEDDED: dict[str, Callable[[], Starlette]] = {
    "orders": lambda: orders_app(verifier=verifier(), run_relay=False, follow_catalog=False),
    "products": lambda: products_app(verifier=verifier()),
    "search": lambda: search_app(verifier=verifier(),
                                 settings=SearchSettings(search_run_indexer=False)),
    "users": lambda: users_app(verifier=verifier()),
}  # fmt: skip


@pytest.mark.parametrize("subgraph", sorted(EMBEDDED))
def test_every_subgraph_is_ready_on_its_embedded_stores(
    subgraph: str, stores_env: pytest.MonkeyPatch
) -> None:
    assert_up(readiness(EMBEDDED[subgraph]()), "sqlite", "redis")


@pytest.mark.postgres
@pytest.mark.redis
def test_orders_is_ready_on_postgres_and_redis(postgres: str, redis_url: str) -> None:
    app = orders_app(redis_url=redis_url, verifier=verifier(), run_relay=False,
                     follow_catalog=False)  # fmt: skip
    assert_up(readiness(app), "postgres", "redis")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("subgraph", ["orders", "users"])
def test_a_read_replica_is_checked_beside_the_primary(
    subgraph: str, postgres: str, postgres_url: str, redis_url: str,
    stores_env: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    def app() -> Starlette:
        if subgraph == "orders":
            return orders_app(redis_url=redis_url, verifier=verifier(), run_relay=False,
                              follow_catalog=False)  # fmt: skip
        return users_app(redis_url=redis_url, verifier=verifier())

    with postgres_database_url(postgres_url) as replica:
        stores_env.setenv("SHOPGRAPH_POSTGRES_REPLICA_URL", replica)
        assert_up(readiness(app()), "postgres", "postgres-replica", "redis")
    stores_env.setenv("SHOPGRAPH_POSTGRES_REPLICA_URL", closed_url("postgresql") + "/replica")
    down = assert_down(readiness(app()), "postgres-replica", "postgres", "redis")
    assert SECRET not in down["error"]


@pytest.mark.postgres
def test_orders_is_not_ready_without_redis(postgres: str) -> None:
    app = orders_app(redis_url=closed_url("redis"), verifier=verifier(), run_relay=False,
                     follow_catalog=False)  # fmt: skip
    down = assert_down(readiness(app), "redis", "postgres")
    assert down["error"].startswith("ConnectionError: ")


@pytest.mark.postgres
@pytest.mark.redis
def test_users_is_ready_on_postgres_and_redis(postgres: str, redis_url: str) -> None:
    assert_up(readiness(users_app(redis_url=redis_url, verifier=verifier())), "postgres", "redis")


@pytest.mark.redis
def test_users_is_not_ready_without_postgres(redis_url: str) -> None:
    async def open_profiles() -> SqlProfileStore:
        stores = StoreSettings(postgres_url=closed_url("postgresql") + "/users")
        return SqlProfileStore(sql_engine(stores, "users"))

    app = users_app(open_profiles=open_profiles, redis_url=redis_url, verifier=verifier())
    down = assert_down(readiness(app), "postgres", "redis")
    assert "Connect call failed" in down["error"]


@pytest.mark.mongo
@pytest.mark.redis
def test_products_is_ready_on_mongo_and_redis(
    mongo_url: str, redis_url: str, stores_env: pytest.MonkeyPatch
) -> None:
    database = f"ready_{uuid.uuid4().hex[:12]}"
    stores_env.setenv("SHOPGRAPH_MONGO_URL", mongo_url)
    stores_env.setenv("SHOPGRAPH_MONGO_DATABASE", database)
    try:
        app = products_app(redis_url=redis_url, verifier=verifier())
        assert_up(readiness(app), "mongo", "redis")
    finally:
        client: MongoClient[dict[str, Any]]
        with MongoClient(mongo_url) as client:
            client.drop_database(database)


@pytest.mark.redis
@LEAVES_A_MONITOR_SOCKET
def test_products_is_not_ready_without_mongo(redis_url: str) -> None:
    async def open_catalog() -> MongoCatalogStore:
        options = StoreSettings().mongo_client_options()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(closed_url("mongodb"),
                                                                    **options)  # fmt: skip
        return MongoCatalogStore(client, "catalog")

    app = products_app(open_catalog=open_catalog, redis_url=redis_url, verifier=verifier())
    assert_down(readiness(app), "mongo", "redis")
    collect_monitor_sockets()


@pytest.mark.elasticsearch
@pytest.mark.redis
def test_search_is_ready_on_elasticsearch_and_redis(
    elasticsearch_url: str, redis_url: str, stores_env: pytest.MonkeyPatch
) -> None:
    alias = f"ready-{uuid.uuid4().hex[:12]}"
    stores_env.setenv("SHOPGRAPH_ELASTICSEARCH_URL", elasticsearch_url)
    settings = SearchSettings(search_alias=alias, search_run_indexer=False)
    try:
        app = search_app(redis_url=redis_url, verifier=verifier(), settings=settings)
        assert_up(readiness(app), "elasticsearch", "redis")
    finally:
        asyncio.run(_drop_indexes(elasticsearch_url, f"{alias}-*"))


async def _drop_indexes(url: str, pattern: str) -> None:
    async with AsyncElasticsearch(url) as client:
        await client.indices.delete(index=pattern)


@pytest.mark.redis
def test_search_is_not_ready_without_elasticsearch(redis_url: str) -> None:
    async def open_search() -> ElasticsearchSearchIndex:
        options = StoreSettings().elasticsearch_client_options()
        return ElasticsearchSearchIndex(AsyncElasticsearch(closed_url("http"), **options), "p")

    settings = SearchSettings(search_run_indexer=False)
    app = search_app(open_search=open_search, redis_url=redis_url, verifier=verifier(),
                     settings=settings)  # fmt: skip
    down = assert_down(readiness(app), "elasticsearch", "redis")
    assert down["error"].startswith("ConnectionError: ")


def test_the_identity_provider_is_ready_with_no_store() -> None:
    settings = ProviderSettings(base_url="http://127.0.0.1:4100", dev_port_offset=0)
    response = readiness(identity_app(IdentityProvider(settings)))
    assert response.status_code == 200
    assert response.json() == {"status": "UP", "checks": {}}
