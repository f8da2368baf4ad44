"""GraphQL over HTTP: reading a request (GET or POST) into query, operation name, variables.

Strict about shape, since every field here comes from anyone on the internet: a JSON body is
one object with no repeated keys (a GET request has no repeated parameter), ``variables`` and
``extensions`` are objects (or null: absent; ``0``, ``false``, ``""`` or ``[]`` are refused,
never taken for absent), and the body is read only up to its limit.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from router.types import RouterError

# Bodies larger than this are decoded off the event loop.
_DECODE_IN_THREAD_BYTES = 64_000
_PARAMETERS = frozenset({"query", "operationName", "variables", "extensions", "documentId"})


class BadRequestError(RouterError):
    """The HTTP request is not a well-formed GraphQL request (400)."""

    code = "BAD_REQUEST"
    status = 400


class RequestTooLargeError(BadRequestError):
    code = "REQUEST_TOO_LARGE"
    status = 413


class UnsupportedMediaTypeError(BadRequestError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415


@dataclass
class GraphQLRequest:
    """One operation's parameters; ``query`` is None when the request names a persisted
    document instead (``extensions.persistedQuery`` or ``documentId``)."""

    query: str | None
    operation_name: str | None
    variables: dict[str, Any]
    extensions: dict[str, Any]
    document_id: str | None = None


async def read_graphql_request(
    request: Request, max_bytes: int, *, max_batch_size: int = 0
) -> GraphQLRequest | list[GraphQLRequest]:
    """The request's operation, or its operations when the body is a JSON array (a batch, in
    Apollo Router's format) and batches are on (``max_batch_size`` > 0)."""
    if request.method == "GET":
        params: Any = _query_parameters(request)
        for name in ("variables", "extensions"):
            if isinstance(params.get(name), str):
                params[name] = _json(params[name], name)
    else:
        body = await _body(request, max_bytes)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/graphql":
            params = {"query": body.decode("utf-8", errors="replace")}
        elif content_type in ("application/json", "") or content_type.endswith("+json"):
            if len(body) > _DECODE_IN_THREAD_BYTES:
                params = await asyncio.to_thread(_json, body, "body")
            else:
                params = _json(body, "body")
        else:
            raise UnsupportedMediaTypeError(
                f"unsupported content type {content_type!r}: send application/json"
            )
    if isinstance(params, list):
        return _batch(params, max_batch_size)
    if not isinstance(params, dict):
        raise BadRequestError("the request body must be a JSON object")
    return _validated(params)


def _batch(items: list[Any], max_batch_size: int) -> list[GraphQLRequest]:
    if max_batch_size <= 0:
        raise BadRequestError(
            "batched requests (a JSON array) are not enabled", code="BATCHING_NOT_ENABLED"
        )
    if not items:
        raise BadRequestError("a batch must hold at least one operation")
    if len(items) > max_batch_size:
        raise BadRequestError(
            f"the batch has {len(items)} operations, more than the router's limit of "
            f"{max_batch_size}",
            code="BATCH_LIMIT_EXCEEDED",
        )
    batch = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadRequestError(f"batch item {index} must be a JSON object, not {_kind(item)}")
        try:
            batch.append(_validated(item))
        except BadRequestError as error:
            raise BadRequestError(f"batch item {index}: {error.message}", code=error.code) from None
    return batch


def _query_parameters(request: Request) -> dict[str, str]:
    """A GET request's parameters; one of ours given twice is refused, as a repeated JSON key is
    (which one counts would differ between a cache, a firewall and us)."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params and name in _PARAMETERS:
            raise BadRequestError(f"the parameter {name!r} appears more than once")
        params[name] = value
    return params


async def _body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise RequestTooLargeError(f"request body larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise RequestTooLargeError(f"request body larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(f"the key {key!r} appears more than once in one object")
            seen.add(key)
    return result


def _json(raw: str | bytes, what: str) -> Any:
    try:
        return json.loads(raw, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as error:
        raise BadRequestError(f"{what} is ambiguous: {error}") from None
    except (ValueError, RecursionError) as error:
        reason = str(error) if isinstance(error, ValueError) else "nested too deeply"
        raise BadRequestError(f"{what} is not valid JSON: {reason}") from None


def _object(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestError(f"'{name}' must be a JSON object or null, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else type(value).__name__


def _validated(params: dict[str, Any]) -> GraphQLRequest:
    variables = _object(params, "variables")
    extensions = _object(params, "extensions")
    query = params.get("query")
    document_id = params.get("documentId")
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequestError(f"'documentId' must be a string, not {_kind(document_id)}")
    if query is not None and not isinstance(query, str):
        raise BadRequestError(f"'query' must be a string, not {_kind(query)}")
    if not query or not query.strip():
        query = None
        if document_id is None and extensions.get("persistedQuery") is None:
            raise BadRequestError("a GraphQL request must have a non-empty 'query' string")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequestError("'operationName' must be a string")
    return GraphQLRequest(query, operation_name or None, variables, extensions, document_id)
