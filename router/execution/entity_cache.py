"""The entity cache: a subgraph client that answers query fetches from the shared store when it
can, one entity at a time.

A fetch's answer may be kept for the max age its ``@cacheControl`` hints give it (see
:func:`fetch_cache_policy`); nothing with a max age of 0 is kept, nor any mutation's. An
``_entities`` fetch is looked up entity by entity, keyed by the subgraph, its selection, the
representation (type and key) and who asks; only the missing entities go to the subgraph, and
their answers join the kept ones in order. A root fetch is kept whole. Who asks: anonymous
requests share entries; a request that forwards credentials (``Authorization``, or whatever
headers the router propagates) has entries of its own, keyed by a digest of those headers, so
that nothing one user or vendor was shown reaches another. Data the hints call ``PRIVATE`` is
kept only for a signed-in caller.

Every entry is tagged with the entities it holds (its representation, and the objects with a
``__typename`` and an ``id`` in its answer), so that a change message drops all of them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Coroutine, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson

from router.cache import BoundedCache
from router.cache.entities import MAX_TAGS_PER_ENTRY, EntityStore, Entry, tag_of
from router.execution.cache_policy import CachePolicy, fetch_cache_policy, root_entity_ids
from router.execution.client import (
    SubgraphAnswer,
    SubgraphClient,
    SubgraphError,
    graphql_response,
)
from router.supergraph import Supergraph
from router.telemetry.metrics import ENTITY_CACHE
from router.types import JSONObject

MAX_TAG_WALK = 2_000
"""Objects of an answer looked at for tags (the rest expire at their max age)."""


class CachingSubgraphClient:
    """``inner`` with the entity cache in front of its query fetches."""

    def __init__(
        self,
        inner: SubgraphClient,
        store: EntityStore,
        supergraph: Callable[[], Supergraph | None],
        *,
        max_ttl_seconds: int = 3_600,
    ) -> None:
        self.inner = inner
        self.store = store
        self._supergraph = supergraph
        self._max_ttl = max_ttl_seconds
        self._policies = BoundedCache[str, _FetchPolicy](max_entries=4_096, max_bytes=4_096 * 256)
        self._policies_of: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # circuit_states, aclose, …

    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> JSONObject:  # fmt: skip
        answer = await self.send_bytes(subgraph, url, orjson.dumps(body), headers, retry=retry)
        return graphql_response(subgraph, answer)

    async def send_bytes(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> SubgraphAnswer:  # fmt: skip
        return await self.start(subgraph, url, payload, headers, retry=retry)

    def start(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> asyncio.Future[SubgraphAnswer]:  # fmt: skip
        if not retry:  # a mutation
            return self.inner.start(subgraph, url, payload, headers, retry=retry)
        call = self._cached(subgraph, url, payload, headers)
        collector = COLLECTED_TAGS.get()
        if collector is not None:
            call = self._collecting(call, collector, payload)
        return asyncio.ensure_future(call)

    async def _collecting(
        self, call: Coroutine[Any, Any, SubgraphAnswer], collector: list[str], payload: bytes
    ) -> SubgraphAnswer:
        """``call``'s answer, the entities it shows added to ``collector``: its
        representations, a root field's ``id`` argument, objects with ``__typename`` and
        ``id``."""
        answer = await call
        request = orjson.loads(payload)
        query = request.get("query") if isinstance(request, dict) else None
        variables = request.get("variables") if isinstance(request, dict) else None
        variables = variables if isinstance(variables, dict) else {}
        known = [tag for r in variables.get("representations") or ()
                 for tag in _representation_tags(r)]  # fmt: skip
        fetch = self._policy(query) if isinstance(query, str) else None
        if fetch is not None:
            known += fetch.tags(variables)
        decoded = _decoded(answer)
        data = decoded.get("data") if decoded is not None else None
        collector.extend(_tags_in(data, known) if data is not None else known)
        return answer

    async def _cached(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> SubgraphAnswer:
        request = orjson.loads(payload)
        query = request.get("query") if isinstance(request, dict) else None
        if not isinstance(query, str):
            return await self.inner.start(subgraph, url, payload, headers, retry=True)
        fetch = self._policy(query)
        who = _who(headers)
        if fetch is None or fetch.policy.max_age <= 0 or (fetch.policy.private and not who):
            return await self.inner.start(subgraph, url, payload, headers, retry=True)
        ttl = min(fetch.policy.max_age, self._max_ttl)
        variables = dict(request.get("variables") or {})
        representations = variables.pop("representations", None)
        scope = b"\0".join((subgraph.encode(), query.encode(), _canonical(variables), who))
        if isinstance(representations, list) and representations:
            return await self._entities(subgraph, url, request, headers, scope, ttl,
                                        representations)  # fmt: skip
        tags = fetch.tags(variables)
        return await self._root(subgraph, url, payload, headers, scope, ttl, tags)

    def _policy(self, query: str) -> _FetchPolicy | None:
        supergraph = self._supergraph()
        if supergraph is None:
            return None
        if self._policies_of != id(supergraph):  # a reloaded supergraph: new hints
            self._policies = BoundedCache(max_entries=4_096, max_bytes=4_096 * 256)
            self._policies_of = id(supergraph)
        digest = hashlib.sha256(query.encode()).hexdigest()
        policy = self._policies.get(digest)
        if policy is None:
            policy = _FetchPolicy(
                fetch_cache_policy(query, supergraph.schema, supergraph.cache_hints),
                root_entity_ids(query, supergraph.schema),
            )
            self._policies.put(digest, policy, 256)
        return policy

    async def _root(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        scope: bytes, ttl: int, tags: list[str],
    ) -> SubgraphAnswer:  # fmt: skip
        key = _digest(scope)
        (kept,) = await self.store.get_many([key])
        if kept is not None:
            ENTITY_CACHE.labels(subgraph, "hit").inc()
            return SubgraphAnswer(200, kept)
        ENTITY_CACHE.labels(subgraph, "miss").inc()
        answer = await self.inner.start(subgraph, url, payload, headers, retry=True)
        decoded = _decoded(answer)
        if decoded is not None and not decoded.get("errors") and decoded.get("data") is not None:
            tagged = _tags_in(decoded["data"], tags)
            await self.store.put_many([Entry(key, answer.body, ttl, tagged)])
        return answer

    async def _entities(
        self, subgraph: str, url: str, request: JSONObject, headers: Mapping[str, str],
        scope: bytes, ttl: int, representations: list[Any],
    ) -> SubgraphAnswer:  # fmt: skip
        keys = [_digest(scope + b"\0" + _canonical(r)) for r in representations]
        kept = await self.store.get_many(keys)
        missing = [i for i, value in enumerate(kept) if value is None]
        ENTITY_CACHE.labels(subgraph, "hit").inc(len(kept) - len(missing))
        if missing:
            ENTITY_CACHE.labels(subgraph, "miss").inc(len(missing))
        else:
            return SubgraphAnswer(200, _entities_body([v for v in kept if v is not None], []))
        asked = dict(request)
        asked["variables"] = {**request["variables"],
                              "representations": [representations[i] for i in missing]}  # fmt: skip
        answer = await self.inner.start(subgraph, url, orjson.dumps(asked), headers, retry=True)
        decoded = _decoded(answer)
        data = decoded.get("data") if decoded is not None else None
        fetched = data.get("_entities") if isinstance(data, dict) else None
        if decoded is None or not isinstance(fetched, list) or len(fetched) != len(missing):
            if len(missing) == len(kept):
                return answer  # nothing kept: the subgraph's answer as it is
            raise SubgraphError(f"subgraph '{subgraph}' answered without its entities")
        failed, errors = _remapped_errors(decoded.get("errors"), missing)
        entries = []
        parts: list[bytes | None] = list(kept)
        for position, (index, entity) in enumerate(zip(missing, fetched, strict=True)):
            parts[index] = orjson.dumps(entity)
            if entity is not None and position not in failed:
                tags = _tags_in(entity, _representation_tags(representations[index]))
                entries.append(Entry(keys[index], parts[index] or b"null", ttl, tags))
        await self.store.put_many(entries)
        return SubgraphAnswer(answer.status, _entities_body(parts, errors))


@dataclass(frozen=True)
class _FetchPolicy:
    policy: CachePolicy
    entity_ids: tuple[tuple[str, str, bool], ...]
    """Root fields' ``id`` arguments: (type returned, literal or variable name, is a variable)."""

    def tags(self, variables: Mapping[str, Any]) -> list[str]:
        """The entities a root fetch asks for by id (``product(id: "p-1")``): an answer that
        names nothing else is still dropped when they change."""
        tags = []
        for typename, value, is_variable in self.entity_ids:
            found = variables.get(value) if is_variable else value
            if isinstance(found, str | int):
                tags.append(tag_of(typename, str(found)))
        return tags


COLLECTED_TAGS: ContextVar[list[str] | None] = ContextVar("entity_tags", default=None)
"""While set (by the response cache), the entities every query fetch of the request showed."""


def _who(headers: Mapping[str, str]) -> bytes:
    """Whose entries these are: nobody's (shared) without forwarded headers, else a digest
    of all of them."""
    if not headers:
        return b""
    return hashlib.sha256(orjson.dumps(sorted(headers.items()))).hexdigest().encode()


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _digest(scope: bytes) -> str:
    return hashlib.sha256(scope).hexdigest()


def _decoded(answer: SubgraphAnswer) -> JSONObject | None:
    if answer.status != 200:
        return None
    try:
        decoded = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _entities_body(parts: list[bytes | None], errors: list[Any]) -> bytes:
    body = b'{"data":{"_entities":[' + b",".join(p or b"null" for p in parts) + b"]}"
    if errors:
        body += b',"errors":' + orjson.dumps(errors)
    return body + b"}"


def _remapped_errors(raw: Any, missing: list[int]) -> tuple[set[int], list[Any]]:
    """The errors of a fetch of the ``missing`` entities, their paths moved to the entities'
    places in the whole fetch; and which of the fetched positions have one."""
    failed: set[int] = set()
    errors: list[Any] = []
    for error in raw if isinstance(raw, list) else ():
        if not isinstance(error, dict):
            continue
        path = error.get("path")
        if (isinstance(path, list) and len(path) > 1 and path[0] == "_entities"
                and isinstance(path[1], int) and 0 <= path[1] < len(missing)):  # fmt: skip
            failed.add(path[1])
            error = {**error, "path": ["_entities", missing[path[1]], *path[2:]]}
        else:
            failed.update(range(len(missing)))  # an error without a place: keep nothing
        errors.append(error)
    return failed, errors


def _representation_tags(representation: Any) -> list[str]:
    if isinstance(representation, dict):
        typename, key = representation.get("__typename"), representation.get("id")
        if isinstance(typename, str) and isinstance(key, str | int):
            return [tag_of(typename, str(key))]
    return []


def _tags_in(value: Any, tags: list[str]) -> list[str]:
    """``tags`` and the entities ``value`` shows (objects with ``__typename`` and ``id``)."""
    found = dict.fromkeys(tags)
    pending, seen = [value], 0
    while pending and seen < MAX_TAG_WALK and len(found) < MAX_TAGS_PER_ENTRY:
        item = pending.pop()
        seen += 1
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            typename, key = item.get("__typename"), item.get("id")
            if isinstance(typename, str) and isinstance(key, str | int):
                found[tag_of(typename, str(key))] = None
            pending.extend(v for v in item.values() if isinstance(v, dict | list))
    return list(found)
