"""The error codes subgraphs put in ``extensions.code``, in one place."""

from __future__ import annotations

from graphql import GraphQLError

CODES = {
    "BAD_USER_INPUT": "the input is not valid",
    "UNAUTHENTICATED": "a valid bearer token is needed",
    "FORBIDDEN": "the viewer may not do this",
    "NOT_FOUND": "no such object",
    "DUPLICATE_SKU": "the SKU is taken",
    "DUPLICATE_REVIEW": "one review per product per user",
    "OUT_OF_STOCK": "not enough stock for the order",
    "DUPLICATE_ORDER": "the idempotency key was used for another order",
    "ORDER_STATE": "the order is not in a state that allows this",
    "PAYMENT_DECLINED": "the payment provider declined the payment",
    "GRAPHQL_VALIDATION_FAILED": "the document does not fit the schema",
    "INTERNAL_SERVER_ERROR": "the server failed; the message says no more",
}


def client_error(message: str, code: str) -> GraphQLError:
    if code not in CODES:
        raise ValueError(f"unregistered error code {code}")
    return GraphQLError(message, extensions={"code": code})
