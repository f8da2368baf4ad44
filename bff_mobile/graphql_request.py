"""Reading an app's GraphQL request: a persisted operation id (``id``, or Apollo's
``extensions.persistedQuery.sha256Hash``) or a document, with variables; GET or POST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from bff_mobile.errors import MobileError

MAX_REQUEST_BYTES = 100_000


@dataclass(frozen=True)
class AppRequest:
    id: str | None
    document: str | None
    operation_name: str | None
    variables: dict[str, Any]


async def read_app_request(request: Request) -> AppRequest:
    if request.method in ("GET", "HEAD"):
        params: Any = dict(request.query_params)
        for name in ("variables", "extensions"):
            if isinstance(params.get(name), str):
                params[name] = _json(params[name], name)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise MobileError("send the request as application/json", "BAD_REQUEST", status=415)
        params = _json(await _body(request), "the body")
    if not isinstance(params, dict):
        raise MobileError("the request must be a JSON object", "BAD_REQUEST")
    return AppRequest(
        id=_operation_id(params),
        document=_optional_string(params, "query"),
        operation_name=_optional_string(params, "operationName"),
        variables=_object(params.get("variables"), "variables"),
    )


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise MobileError(
                f"the body is larger than {MAX_REQUEST_BYTES} bytes", "BAD_REQUEST", status=413
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _operation_id(params: dict[str, Any]) -> str | None:
    given = _optional_string(params, "id")
    persisted = _object(params.get("extensions"), "extensions").get("persistedQuery")
    if persisted is None:
        return given
    if not isinstance(persisted, dict) or not isinstance(persisted.get("sha256Hash"), str):
        raise MobileError("extensions.persistedQuery must have a sha256Hash string", "BAD_REQUEST")
    if persisted.get("version", 1) != 1:
        raise MobileError("only version 1 of persistedQuery is supported", "BAD_REQUEST")
    apq: str = persisted["sha256Hash"]
    if given is not None and given != apq:
        raise MobileError("id and extensions.persistedQuery.sha256Hash differ", "BAD_REQUEST")
    return apq


def _json(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise MobileError(f"{what} is not valid JSON: {error}", "BAD_REQUEST") from error


def _optional_string(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MobileError(f"'{name}' must be a string", "BAD_REQUEST")
    return value


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MobileError(f"'{name}' must be a JSON object", "BAD_REQUEST")
    return value
