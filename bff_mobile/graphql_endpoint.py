"""``/graphql`` for the app: version gate, persisted operations, execution, caching headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from graphql import GraphQLSchema
from starlette.requests import Request
from starlette.responses import Response

from bff_mobile.app_version import VERSION_HEADER, check_app_version
from bff_mobile.caching import cache_control, entity_tag, not_modified
from bff_mobile.errors import MobileError
from bff_mobile.execution import PreparedOperation, prepare, run
from bff_mobile.graphql_request import AppRequest, read_app_request
from bff_mobile.persisted import PersistedOperations, operation_id
from bff_mobile.resolvers import MobileContext
from bff_mobile.router_client import RouterClient
from bff_mobile.settings import MobileSettings
from observability.context import current_request, note_operation

JSON = "application/json"


class GraphQLEndpoint:
    def __init__(
        self,
        settings: MobileSettings,
        schema: GraphQLSchema,
        persisted: PersistedOperations,
        router: Callable[[], RouterClient],
    ) -> None:
        self.settings = settings
        self.minimum_version = settings.minimum_version
        self.schema = schema
        self.persisted = persisted
        self.router = router

    async def handle(self, request: Request) -> Response:
        authorization = request.headers.get("authorization") or None
        context = MobileContext(self.router(), authorization)
        try:
            check_app_version(request.headers.get(VERSION_HEADER), self.minimum_version)
            incoming = await read_app_request(request)
            prepared = self._prepared(incoming)
            note_operation(prepared.operation.operation.value, prepared.name)
            if request.method != "POST" and not prepared.is_query:
                raise MobileError(
                    "mutations must be sent with POST", "METHOD_NOT_ALLOWED", status=405
                )
            body = await run(self.schema, prepared, incoming.variables, context)
        except MobileError as error:
            current_request().add_error_code(error.code)
            return _error_response(error)
        return self._answer(request, prepared, context, body)

    def _prepared(self, incoming: AppRequest) -> PreparedOperation:
        if incoming.document is not None:
            if self.settings.production:
                raise MobileError(
                    "only persisted operations are accepted: send the operation's id instead "
                    "of its document",
                    "PERSISTED_QUERY_REQUIRED",
                )
            if incoming.id is not None and incoming.id != operation_id(incoming.document):
                raise MobileError(
                    "the document's sha256 is not the id sent with it",
                    "PERSISTED_QUERY_HASH_MISMATCH",
                )
            return prepare(self.schema, incoming.document, incoming.operation_name)
        if incoming.id is None:
            wanted = "an operation id" if self.settings.production else "an id or a document"
            raise MobileError(f"the request has no operation: send {wanted}", "BAD_REQUEST")
        persisted = self.persisted.get(incoming.id)
        if persisted is None:
            raise MobileError(
                f"no persisted operation has the id {incoming.id!r}", "PERSISTED_QUERY_NOT_FOUND"
            )
        if incoming.operation_name not in (None, persisted.name):
            raise MobileError(
                f"the persisted operation is {persisted.name}, not {incoming.operation_name}",
                "BAD_REQUEST",
            )
        return persisted.prepared

    def _answer(
        self,
        request: Request,
        prepared: PreparedOperation,
        context: MobileContext,
        body: dict[str, Any],
    ) -> Response:
        content = orjson.dumps(body)
        headers = {"vary": "Authorization"}
        if not prepared.is_query or "errors" in body:
            headers["cache-control"] = "no-store"
            return Response(content, media_type=JSON, headers=headers)
        tag = entity_tag(content)
        headers["etag"] = tag
        headers["cache-control"] = cache_control(
            private=context.private or context.signed_in,
            max_age=self.settings.anonymous_max_age_seconds,
        )
        if not_modified(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        return Response(content, media_type=JSON, headers=headers)


def _error_response(error: MobileError) -> Response:
    headers = {"cache-control": "no-store"}
    if error.status == 405:
        headers["allow"] = "POST"
    return Response(
        orjson.dumps({"errors": error.to_json()}),
        status_code=error.status,
        media_type=JSON,
        headers=headers,
    )
