"""The response cache: whole responses of public queries, in the entity cache's Redis, for the
max age of their ``Cache-Control``, dropped with the entities they show.

Only a request that forwards no credentials, for a query whose policy is public with a max age
above 0, and whose response has no errors, is kept or served. The key is the document, the
operation name, the variables, the response's media type and the supergraph. The entities a
response shows are what its fetches showed (collected by the entity cache's client), so a
change announcement drops the response with the fetches; a response showing more entities than
an entry may be tagged with is not kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from starlette.responses import Response

from router.cache.entities import MAX_TAGS_PER_ENTRY, EntityStore, Entry
from router.execution.entity_cache import COLLECTED_TAGS
from router.http.graphql_request import GraphQLRequest
from router.http.operation_checks import Execution
from router.telemetry.metrics import RESPONSE_CACHE

MAX_RESPONSE_BYTES = 1_000_000


class ResponseCache:
    def __init__(self, store: EntityStore) -> None:
        self.store = store

    def key(self, gql: GraphQLRequest, execution: Execution, supergraph: str | None) -> str | None:
        """The request's key, or None when its response may not be shared."""
        if execution.is_mutation or execution.authenticated or execution.headers:
            return None
        policy = execution.service.cache_policy(execution.prepared)
        if policy.private or policy.max_age <= 0:
            return None
        material = orjson.dumps(
            [supergraph, execution.query, gql.operation_name, execution.variables,
             execution.media_type, execution.with_cost],
            option=orjson.OPT_SORT_KEYS,
        )  # fmt: skip
        return "response:" + hashlib.sha256(material).hexdigest()

    async def cached(self, key: str, execution: Execution) -> Response | None:
        (body,) = await self.store.get_many([key])
        if body is None:
            RESPONSE_CACHE.labels("miss").inc()
            return None
        RESPONSE_CACHE.labels("hit").inc()
        policy = execution.service.cache_policy(execution.prepared)
        response = Response(body, media_type=execution.media_type)
        response.headers["cache-control"] = policy.header(authenticated=False)
        return response

    @asynccontextmanager
    async def collecting(self) -> AsyncIterator[list[str]]:
        """The entities the fetches inside the block show."""
        tags: list[str] = []
        token = COLLECTED_TAGS.set(tags)
        try:
            yield tags
        finally:
            COLLECTED_TAGS.reset(token)

    async def keep(self, key: str, response: Response, tags: list[str]) -> None:
        cache_control = response.headers.get("cache-control", "")
        if response.status_code != 200 or not cache_control.startswith("max-age="):
            return
        unique = list(dict.fromkeys(tags))
        body = bytes(response.body)
        if len(unique) > MAX_TAGS_PER_ENTRY or len(body) > MAX_RESPONSE_BYTES:
            return
        max_age = int(cache_control.split(",")[0].removeprefix("max-age="))
        await self.store.put_many([Entry(key, body, max_age, unique)])
