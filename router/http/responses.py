"""The router's JSON responses and its error bodies (GraphQL over HTTP's status rules)."""

from __future__ import annotations

from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from observability.context import current_request
from router.http.media_types import JSON, response_media_type
from router.types import JSONObject


class ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def response_type(request: Request) -> str:
    # A client that accepts neither type still reads its 406 (or an earlier refusal) as JSON.
    return response_media_type(request.headers.get("accept")) or JSON


def error_response(status: int, message: str, code: str, request: Request) -> Response:
    current_request().add_error_code(code)
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return ORJSONResponse(body, status_code=status, media_type=response_type(request))


def request_error(request: Request, errors: list[JSONObject], status: int) -> Response:
    return errors_response(response_type(request), errors, status)


def errors_response(media_type: str, errors: list[JSONObject], status: int) -> Response:
    note_error_codes(errors)
    # application/json clients get 200 for GraphQL errors, per GraphQL over HTTP.
    if media_type == JSON:
        status = 200
    return ORJSONResponse({"errors": errors}, status_code=status, media_type=media_type)


def note_error_codes(errors: list[JSONObject]) -> None:
    info = current_request()
    for error in errors[:8]:
        extensions = error.get("extensions")
        if isinstance(extensions, dict):
            info.add_error_code(extensions.get("code"))


def error_object(message: str, code: str) -> JSONObject:
    return {"message": message, "extensions": {"code": code}}


def graphql_errors(errors: list[GraphQLError], code: str) -> list[JSONObject]:
    formatted: list[JSONObject] = []
    for error in errors:
        item: JSONObject = dict(error.formatted)
        extensions = item.get("extensions")
        item["extensions"] = {**(extensions if isinstance(extensions, dict) else {}), "code": code}
        formatted.append(item)
    return formatted
