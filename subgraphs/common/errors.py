"""The error codes subgraphs put in ``extensions.code``, in one place."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from observability.asgi import log_unexpected
from observability.context import current_request

log = logging.getLogger(__name__)

CODES = {
    "BAD_USER_INPUT": "the input is not valid",
    "UNAUTHENTICATED": "a valid bearer token is needed",
    "FORBIDDEN": "the viewer may not do this",
    "NOT_FOUND": "no such object",
    "DUPLICATE_SKU": "the SKU is taken",
    "DUPLICATE_REVIEW": "one review per product per user",
    "OUT_OF_STOCK": "not enough stock for the order",
    "DUPLICATE_ORDER": "the idempotency key was used for another order",
    "CART_ALREADY_ORDERED": "the cart is ordered, or being ordered, with another idempotency key",
    "ORDER_TRANSITION": "the order cannot move from its status to the one asked for",
    "PAYMENT_DECLINED": "the payment provider declined the payment",
    "GRAPHQL_VALIDATION_FAILED": "the document does not fit the schema",
    "INTERNAL_SERVER_ERROR": "the server failed; the message says no more",
}


def client_error(message: str, code: str) -> GraphQLError:
    if code not in CODES:
        raise ValueError(f"unregistered error code {code}")
    return GraphQLError(message, extensions={"code": code})


def report(error: GraphQLError) -> None:
    """Give ``error`` its code (:func:`add_code`) and log it once: a client error in one line,
    an unexpected failure with its traceback (``add_code`` logs those)."""
    add_code(error)
    code = (error.extensions or {}).get("code")
    current_request().add_error_code(code)
    if code != "INTERNAL_SERVER_ERROR":
        log.info("%s at %s: %s", code, error.path, error.message)


class ErrorLog(logging.LoggerAdapter[logging.Logger]):
    """A logger for ariadne's ``logger`` option: GraphQL errors go through :func:`report`
    instead of being logged with a traceback each."""

    def __init__(self) -> None:
        super().__init__(log)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        if isinstance(msg, GraphQLError):
            report(msg)
        else:
            super().error(msg, *args, **kwargs)


def add_code(error: GraphQLError) -> None:
    """Give an error that has no code one, and hide the insides of an unexpected failure.

    Errors raised before execution get ``BAD_USER_INPUT`` (the variables do not fit the
    schema, e.g. an operator object where an ID belongs) or ``GRAPHQL_VALIDATION_FAILED``
    (the document does not); an exception a resolver did not mean to raise becomes
    ``INTERNAL_SERVER_ERROR`` with a message that says nothing more (it is logged in full).
    """
    extensions = dict(error.extensions or {})
    if "code" in extensions:
        return
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        error_id = log_unexpected(original, f"the resolver of {error.path}")
        error.message = f"internal error (error id {error_id})"
        extensions["code"] = "INTERNAL_SERVER_ERROR"
        extensions["errorId"] = error_id
    elif error.path is None or error.message.startswith("Variable "):
        bad_variables = error.message.startswith("Variable ")
        extensions["code"] = "BAD_USER_INPUT" if bad_variables else "GRAPHQL_VALIDATION_FAILED"
    else:
        extensions["code"] = "BAD_USER_INPUT"
    error.extensions = extensions
