"""The search subgraph's ASGI app, with the catalog indexer running beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ariadne.asgi import GraphQL
from ariadne.asgi.handlers import GraphQLHTTPHandler
from elasticsearch import AsyncElasticsearch
from graphql import GraphQLError
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request

from datastores.embedded import redis_client, sqlite_engine
from datastores.settings import StoreSettings
from observability import tracing
from subgraphs.common.auth import TokenVerifier
from subgraphs.common.errors import ErrorLog, add_code
from subgraphs.common.health import (
    ReadinessCheck,
    elasticsearch_check,
    redis_check,
    sql_check,
)
from subgraphs.common.http import subgraph_app, viewer_of
from subgraphs.common.telemetry import no_arguments, note_request_operation
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


def readiness_checks(s: Services) -> list[ReadinessCheck]:
    """A round trip to the search index (Elasticsearch or SQLite FTS5) and to Redis."""
    index = []
    if isinstance(s.index, ElasticsearchSearchIndex):
        index.append(elasticsearch_check(s.index.client))
    elif isinstance(s.index, SqliteSearchIndex):
        index.append(sql_check(s.index.engine))
    return [*index, redis_check(s.redis)]


async def open_index(stores: StoreSettings, settings: SearchSettings) -> SearchIndex:
    """Elasticsearch when configured, else SQLite FTS5; the index exists when this returns."""
    index: SearchIndex
    if stores.elasticsearch_url:
        index = ElasticsearchSearchIndex(
            AsyncElasticsearch(
                stores.elasticsearch_hosts(), **stores.elasticsearch_client_options()
            ),
            settings.search_alias,
            replicas=settings.search_index_replicas,
        )
    else:
        index = SqliteSearchIndex(sqlite_engine(stores.data_dir / "search.db"))
    try:
        await index.ensure_index()
    except BaseException:
        await index.close()  # its client, with its connections
        raise
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
            claim_idle_ms = round(settings.search_indexer_claim_idle_seconds * 1000)
            indexer = CatalogIndexer(services.redis, index,
                                     consumer=settings.search_indexer_consumer,
                                     claim_idle_ms=claim_idle_ms)  # fmt: skip
            task = asyncio.create_task(indexer.run(stop), name="catalog-indexer")
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            await services.index.close()
            await services.redis.aclose()

    def context(request: Request, data: Any) -> Context:
        note_request_operation(data)
        return Context(viewer=viewer_of(request), index=holder["services"].index)

    extensions: list[Any] = []
    if tracing.enabled():  # resolver spans, by ariadne's own OpenTelemetry extension
        from ariadne.contrib.tracing.opentelemetry import opentelemetry_extension

        extensions.append(opentelemetry_extension(arg_filter=no_arguments))
    graphql = GraphQL(schema, context_value=context, error_formatter=format_error,
                      logger=ErrorLog(),
                      http_handler=GraphQLHTTPHandler(extensions=extensions))  # fmt: skip
    return subgraph_app(graphql, verifier=lambda: holder["services"].verifier, lifespan=lifespan,
                        readiness=lambda: readiness_checks(holder["services"]))  # fmt: skip
