"""The search subgraph's ASGI app, with the catalog indexer running beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ariadne.asgi import GraphQL
from elasticsearch import AsyncElasticsearch
from graphql import GraphQLError
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request

from datastores.embedded import redis_client, sqlite_engine
from datastores.settings import StoreSettings
from subgraphs.common.auth import TokenVerifier
from subgraphs.common.errors import ErrorLog, add_code
from subgraphs.common.http import subgraph_app, viewer_of
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.fts_index import SqliteSearchIndex
from subgraphs.search.index import SearchIndex
from subgraphs.search.indexer import CatalogIndexer
from subgraphs.search.schema import Context, schema
from subgraphs.search.settings import SearchSettings

log = logging.getLogger(__name__)


@dataclass
class Services:
    index: SearchIndex
    redis: Redis
    verifier: TokenVerifier


async def open_index(stores: StoreSettings, settings: SearchSettings) -> SearchIndex:
    """Elasticsearch when configured, else SQLite FTS5; the index exists when this returns."""
    index: SearchIndex
    if stores.elasticsearch_url:
        index = ElasticsearchSearchIndex(
            AsyncElasticsearch(stores.elasticsearch_url), settings.search_alias
        )
    else:
        index = SqliteSearchIndex(sqlite_engine(stores.data_dir / "search.db"))
    await index.ensure_index()
    return index


def format_error(error: GraphQLError, debug: bool = False) -> dict[str, Any]:
    """Every error gets a code; an unexpected one says nothing of its insides."""
    add_code(error)
    formatted: dict[str, Any] = dict(error.formatted)
    return formatted


def create_app(
    *,
    open_search: Callable[[], Awaitable[SearchIndex]] | None = None,
    redis_url: str | None = None,
    verifier: TokenVerifier | None = None,
    settings: SearchSettings | None = None,
) -> Starlette:
    """The app; by default its stores come from ``SHOPGRAPH_*`` settings (embedded if unset).

    Unless ``SHOPGRAPH_SEARCH_RUN_INDEXER`` is false, the catalog indexer runs in the app's
    lifespan, on the event loop that serves requests.
    """
    settings = settings or SearchSettings()
    holder: dict[str, Services] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stores = StoreSettings().with_redis(redis_url)
        index = await (open_search or (lambda: open_index(stores, settings)))()
        services = Services(index, redis_client(stores), verifier or settings.verifier())
        holder["services"] = services
        stop = asyncio.Event()
        task = None
        if settings.search_run_indexer:
            indexer = CatalogIndexer(services.redis, index,
                                     consumer=settings.search_indexer_consumer)  # fmt: skip
            task = asyncio.create_task(indexer.run(stop), name="catalog-indexer")
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            await services.index.close()
            await services.redis.aclose()

    def context(request: Request, _: Any) -> Context:
        return Context(viewer=viewer_of(request), index=holder["services"].index)

    graphql = GraphQL(schema, context_value=context, error_formatter=format_error,
                      logger=ErrorLog())  # fmt: skip
    return subgraph_app(graphql, verifier=lambda: holder["services"].verifier, lifespan=lifespan)
