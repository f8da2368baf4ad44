"""GraphQL over HTTP: reading a request (GET or POST) into query, operation name, variables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from router.types import RouterError


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
    query: str
    operation_name: str | None
    variables: dict[str, Any]
    extensions: dict[str, Any]


async def read_graphql_request(request: Request, max_bytes: int) -> GraphQLRequest:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if isinstance(params.get(name), str):
                params[name] = _json(params[name], name)
    else:
        body = await _body(request, max_bytes)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/graphql":
            params = {"query": body.decode("utf-8", errors="replace")}
        elif content_type in ("application/json", "") or content_type.endswith("+json"):
            params = _json(body, "body")
        else:
            raise UnsupportedMediaTypeError(
                f"unsupported content type {content_type!r}: send application/json"
            )
    if not isinstance(params, dict):
        raise BadRequestError("the request body must be a JSON object")
    return _validated(params)


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


def _json(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise BadRequestError(f"{what} is not valid JSON: {error}") from error


def _validated(params: dict[str, Any]) -> GraphQLRequest:
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        persisted = (params.get("extensions") or {}).get("persistedQuery")
        if persisted:
            raise BadRequestError(
                "PersistedQueryNotSupported", code="PERSISTED_QUERY_NOT_SUPPORTED"
            )
        raise BadRequestError("a GraphQL request must have a non-empty 'query' string")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequestError("'operationName' must be a string")
    variables = params.get("variables") or {}
    if not isinstance(variables, dict):
        raise BadRequestError("'variables' must be a JSON object")
    extensions = params.get("extensions") or {}
    if not isinstance(extensions, dict):
        raise BadRequestError("'extensions' must be a JSON object")
    return GraphQLRequest(query, operation_name or None, variables, extensions)
