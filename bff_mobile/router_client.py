"""Runs the BFF's router operations over HTTP, with the caller's bearer token."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from graphql import GraphQLError

from bff_mobile.errors import CODES, MobileError

log = logging.getLogger("shopgraph.bff_mobile")

ACCEPT = "application/graphql-response+json, application/json;q=0.9"


class RouterClient:
    """One shared ``httpx.AsyncClient`` (pooled connections) and the loaded operations."""

    def __init__(self, http: httpx.AsyncClient, url: str, operations: Mapping[str, str]) -> None:
        self.http = http
        self.url = url
        self.operations = operations

    async def run(
        self, name: str, variables: dict[str, Any], authorization: str | None = None
    ) -> dict[str, Any]:
        """The operation's ``data``; a router error is raised as a GraphQL error with its code."""
        headers = {"content-type": "application/json", "accept": ACCEPT}
        if authorization:
            headers["authorization"] = authorization
        payload = {"query": self.operations[name], "operationName": name, "variables": variables}
        try:
            response = await self.http.post(
                self.url, content=orjson.dumps(payload), headers=headers
            )
        except httpx.TimeoutException as error:
            raise MobileError("the router did not answer in time", "ROUTER_UNAVAILABLE") from error
        except httpx.HTTPError as error:
            log.warning("router request %s failed: %r", name, error)
            raise MobileError("the router cannot be reached", "ROUTER_UNAVAILABLE") from error
        body = _graphql_body(response)
        errors = body.get("errors")
        if errors:
            raise _router_error(errors[0], signed_in=bool(authorization))
        data = body.get("data")
        if not isinstance(data, dict):
            raise MobileError("the router answered without data", "ROUTER_UNAVAILABLE")
        return data


def _graphql_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        log.warning("the router answered %s without a GraphQL body", response.status_code)
        raise MobileError(
            f"the router answered {response.status_code} without a GraphQL body",
            "ROUTER_UNAVAILABLE",
        )
    return body


def _router_error(error: Any, *, signed_in: bool) -> GraphQLError:
    """The router's error as the app sees it: its message and code, nothing of the subgraphs.

    The router leaves out what a caller may not see (``UNAUTHORIZED_FIELD_OR_TYPE``); for a
    signed-out app that means "sign in", the code the app already acts on.
    """
    if not isinstance(error, dict):
        return GraphQLError("the router failed", extensions={"code": "INTERNAL_SERVER_ERROR"})
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    if code == "UNAUTHORIZED_FIELD_OR_TYPE":
        if not signed_in:
            return GraphQLError(CODES["UNAUTHENTICATED"], extensions={"code": "UNAUTHENTICATED"})
        return GraphQLError(
            "the app's sign-in does not allow this", extensions={"code": "FORBIDDEN"}
        )
    return GraphQLError(
        str(error.get("message", "the router failed")),
        extensions={"code": code or "INTERNAL_SERVER_ERROR"},
    )
