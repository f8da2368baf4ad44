"""Incremental delivery over HTTP: ``multipart/mixed`` responses for ``@defer``.

Two formats, chosen by the ``Accept`` header:

- ``multipart/mixed;deferSpec=20220824``, which Apollo Client 3 sends (and bare
  ``multipart/mixed``, as GraphiQL asks): a first part
  ``{"data":…,"hasNext":true}``, then ``{"hasNext":…,"incremental":[{"data":…,"path":[…],
  "label":…}]}`` for each deferred part.
- ``multipart/mixed;incrementalSpec=v0.2``, graphql-js 17's format (Apollo Client 4's
  ``GraphQL17Alpha9Handler``): the first part announces ``pending`` fragments by id, later ones
  carry ``incremental`` data and ``completed`` ids.

The body is written as Apollo Server writes it: boundary ``-``, every part with
``content-type: application/json; charset=utf-8``, the last one closed by ``-----``. A query
with a deferred fragment from a client that accepts neither is refused (406,
``DEFER_BAD_HEADER``), as Apollo Router refuses it.

Each part is serialized only when the previous one was written: nothing waits in a buffer but
the deferred parts' results themselves. The response listens for the client's disconnect and
then closes the execution, which cancels what is still running.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Literal

import anyio
import orjson
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from observability.asgi import log_unexpected
from router.execution.incremental import (
    Completed,
    IncrementalExecution,
    Initial,
    Payload,
    Subsequent,
)
from router.http.responses import note_error_codes
from router.types import JSONObject

Spec = Literal["20220824", "v0.2"]
_SPECS: dict[tuple[str, str], Spec] = {
    ("deferspec", "20220824"): "20220824",
    ("incrementalspec", "v0.2"): "v0.2",
}
CONTENT_TYPES: dict[Spec, str] = {
    "20220824": 'multipart/mixed;boundary="-";deferSpec=20220824',
    "v0.2": 'multipart/mixed;boundary="-";incrementalSpec=v0.2',
}
PART_HEADER = b"content-type: application/json; charset=utf-8\r\n\r\n"
DEFER_BAD_HEADER = (
    "the router received a query with the @defer directive but the client does not accept "
    "multipart/mixed HTTP responses. To enable @defer support, add the HTTP header "
    "'Accept: multipart/mixed;deferSpec=20220824'"
)


def incremental_spec(accept: str | None) -> Spec | None:
    """The incremental format the client accepts (the first it lists, q above 0), if any.
    ``multipart/mixed`` without a spec (GraphiQL's fetcher) is taken for ``20220824``; one
    naming a spec the router does not write is not accepted."""
    for item in (accept or "").split(","):
        name, *parameters = (part.strip() for part in item.split(";"))
        if name.lower() != "multipart/mixed":
            continue
        found: Spec | None = "20220824"
        refused = False
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                refused = _zero(value)
            elif key in ("deferspec", "incrementalspec"):
                found = _SPECS.get((key, value))
        if found is not None and not refused:
            return found
    return None


def _zero(value: str) -> bool:
    try:
        return float(value) <= 0
    except ValueError:
        return True


# -- the two formats -----------------------------------------------------------------------------
def encode(spec: Spec, payload: Payload) -> bytes:
    body = _legacy(payload) if spec == "20220824" else _v02(payload)
    return orjson.dumps(body)


def _initial(payload: Initial) -> JSONObject:
    out: JSONObject = {}
    if payload.errors:
        out["errors"] = payload.errors
    out["data"] = payload.data
    return out


def _legacy(payload: Payload) -> JSONObject:
    if isinstance(payload, Initial):
        return {**_initial(payload), "hasNext": payload.has_next}
    out: JSONObject = {"hasNext": payload.has_next}
    if payload.completed:
        out["incremental"] = [_legacy_item(item) for item in payload.completed]
    return out


def _legacy_item(item: Completed) -> JSONObject:
    out: JSONObject = {"data": item.data, "path": item.pending.path}
    if item.pending.label is not None:
        out["label"] = item.pending.label
    if item.errors:
        out["errors"] = item.errors
    return out


def _v02(payload: Payload) -> JSONObject:
    if isinstance(payload, Initial):
        out = _initial(payload)
        if payload.pending:
            out["pending"] = [_pending(p.id, p.path, p.label) for p in payload.pending]
        out["hasNext"] = payload.has_next
        return out
    incremental: list[JSONObject] = []
    completed: list[JSONObject] = []
    for item in payload.completed:
        if item.data is None:
            # A null reached the fragment: it completes with its errors and no data.
            completed.append({"id": item.pending.id, "errors": item.errors})
            continue
        entry: JSONObject = {"id": item.pending.id, "data": item.data}
        if item.errors:
            entry["errors"] = item.errors
        incremental.append(entry)
        completed.append({"id": item.pending.id})
    out = {"incremental": incremental} if incremental else {}
    out["completed"] = completed
    out["hasNext"] = payload.has_next
    return out


def _pending(id_: str, path: list[str | int], label: str | None) -> JSONObject:
    out: JSONObject = {"id": id_, "path": path}
    if label is not None:
        out["label"] = label
    return out


# -- the response --------------------------------------------------------------------------------
async def multipart_body(spec: Spec, execution: IncrementalExecution) -> AsyncGenerator[bytes]:
    """The response body, one part per payload, closed by ``-----``."""
    first = True
    async with contextlib.aclosing(execution.payloads()) as payloads:
        async for payload in payloads:
            _note_errors(payload)
            has_next = payload.has_next
            head = b"\r\n---\r\n" if first else b""
            tail = b"\r\n---\r\n" if has_next else b"\r\n-----\r\n"
            first = False
            yield head + PART_HEADER + encode(spec, payload) + tail


def _note_errors(payload: Payload) -> None:
    if isinstance(payload, Initial):
        note_error_codes(payload.errors)
    elif isinstance(payload, Subsequent):
        for item in payload.completed:
            note_error_codes(item.errors)


class IncrementalResponse(StreamingResponse):
    """A streamed ``multipart/mixed`` response that stops, and closes its body (cancelling
    the execution behind it), as soon as the client goes away."""

    def __init__(self, spec: Spec, execution: IncrementalExecution) -> None:
        self.parts = multipart_body(spec, execution)
        super().__init__(self.parts, media_type=CONTENT_TYPES[spec])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    try:
                        await self.stream_response(send)
                    except OSError:
                        pass  # the client went away while a part was written
                    except Exception as unexpected:  # the response has started: only log
                        log_unexpected(unexpected, "the router's streamed response")
                    group.cancel_scope.cancel()

                async def listen() -> None:
                    await self.listen_for_disconnect(receive)
                    group.cancel_scope.cancel()

                group.start_soon(stream)
                group.start_soon(listen)
        finally:
            with anyio.CancelScope(shield=True):
                await self.parts.aclose()
