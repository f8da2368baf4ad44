"""Inbound request deduplication: identical queries in flight at once share one execution.

Each request passes its own checks first (CSRF, authentication, rate limit, parsing, limits,
variables, cost); only then does it look for an identical operation already running. The key
holds everything that can change the answer or who may see it: the document, the operation
name, the coerced variables, the request extensions, the response media type, every header
that reaches subgraphs, the ``Authorization`` header (always, propagated or not) and the
verified claims. Requests that differ in any of these never share.

The shared work runs in a task of its own, so the requester that started it can go away
(client disconnect, cancellation) without failing the others; every requester awaits it
shielded. An entry leaves the table when its task ends, however it ends, so the table holds
only operations running right now. The table is per process: worker processes don't share.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, Generic, TypeVar

import orjson

from router.auth.directives import Viewer
from router.telemetry.metrics import DEDUPLICATED_REQUESTS

T = TypeVar("T")


class InFlightRequests(Generic[T]):
    """Operations running right now, by key; a request with the key of one joins it."""

    def __init__(self) -> None:
        self._running: dict[bytes, asyncio.Task[T]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: bytes, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """``work()``'s result, or the result (or exception) of the identical run in flight."""
        task = self._running.get(key)
        if task is not None and not task.done():
            DEDUPLICATED_REQUESTS.inc()
        else:
            task = asyncio.create_task(work())
            self._running[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task)

    def _forget(self, key: bytes, done: asyncio.Task[T]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        # Mark an exception retrieved: when every requester went away nobody else awaits it.
        if not done.cancelled():
            done.exception()


def request_key(
    *,
    scope: object,
    query: str,
    operation_name: str | None,
    variables: Mapping[str, Any],
    extensions: Mapping[str, Any],
    media_type: str,
    headers: Iterable[tuple[str, list[str]]],
    claims: Mapping[str, Any] | None,
    viewer: Viewer,
) -> bytes | None:
    """The digest two requests must share to share an execution; None if a value can't be
    keyed exactly (such a request runs on its own).

    ``scope`` tells apart what the request runs on (the served supergraph); ``headers`` are
    ``(name, values)`` pairs for every header that reaches subgraphs, plus ``Authorization``.
    """
    try:
        material = orjson.dumps(
            [
                id(scope),
                query,
                operation_name,
                variables,
                extensions,
                media_type,
                sorted(headers),
                claims,
                [viewer.authenticated, sorted(viewer.scopes), sorted(viewer.policies)],
            ],
            option=orjson.OPT_SORT_KEYS,
        )
    except orjson.JSONEncodeError:
        return None
    return hashlib.sha256(material).digest()
