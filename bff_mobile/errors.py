"""The mobile BFF's error codes, and the error that carries one to the app.

Codes that the router or a subgraph set (``UNAUTHENTICATED``, ``OUT_OF_STOCK``,
``PAYMENT_DECLINED``…) reach the app unchanged; these are the BFF's own.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from observability.asgi import log_unexpected
from observability.context import current_request

CODES = {
    "BAD_REQUEST": "the HTTP request is not a well-formed GraphQL request",
    "METHOD_NOT_ALLOWED": "mutations must be sent with POST",
    "PERSISTED_QUERY_REQUIRED": "only persisted operation ids are accepted",
    "PERSISTED_QUERY_NOT_FOUND": "no persisted operation has this id",
    "PERSISTED_QUERY_HASH_MISMATCH": "the document's sha256 is not the id sent with it",
    "APP_VERSION_REQUIRED": "the X-App-Version header is missing",
    "APP_VERSION_INVALID": "the X-App-Version header is not a semantic version",
    "UPGRADE_REQUIRED": "the app is older than the minimum supported version",
    "GRAPHQL_PARSE_FAILED": "the document is not valid GraphQL syntax",
    "GRAPHQL_VALIDATION_FAILED": "the document does not fit the mobile schema",
    "BAD_USER_INPUT": "an argument or variable is not valid",
    "UNAUTHENTICATED": "the screen needs a signed-in customer",
    "FORBIDDEN": "the signed-in app or person may not do this",
    "ROUTER_UNAVAILABLE": "the router could not be reached or gave no GraphQL answer",
    "INTERNAL_SERVER_ERROR": "the BFF failed; the message says no more",
}


class MobileError(Exception):
    """An error with a registered code; ``status`` is the HTTP status of a request error."""

    def __init__(self, message: str, code: str, *, status: int = 400, **extensions: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unregistered error code {code}")
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.extensions = extensions

    def to_json(self) -> list[dict[str, Any]]:
        """The ``errors`` of the response."""
        return [{"message": self.message, "extensions": {"code": self.code, **self.extensions}}]


class InvalidDocumentError(MobileError):
    """The document or its variables do not fit the schema: every error found, located."""

    def __init__(self, errors: list[GraphQLError], code: str) -> None:
        super().__init__(errors[0].message, code)
        self.errors = errors

    def to_json(self) -> list[dict[str, Any]]:
        formatted = []
        for error in self.errors:
            item: dict[str, Any] = dict(error.formatted)
            item["extensions"] = {**(item.get("extensions") or {}), "code": self.code}
            formatted.append(item)
        return formatted


def format_error(error: GraphQLError) -> dict[str, Any]:
    """Every error gets a code; an unexpected one says nothing of its insides."""
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if isinstance(error.original_error, MobileError):
        extensions = {"code": error.original_error.code, **error.original_error.extensions}
        formatted["message"] = error.original_error.message
    elif "code" not in extensions:
        if error.original_error is not None:
            error_id = log_unexpected(error.original_error, f"the resolver of {error.path}")
            formatted["message"] = f"internal error (error id {error_id})"
            extensions["errorId"] = error_id
        extensions["code"] = "INTERNAL_SERVER_ERROR"
    current_request().add_error_code(extensions["code"])
    formatted["extensions"] = extensions
    return formatted
