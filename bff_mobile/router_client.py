"""Runs the BFF's router operations over HTTP, with the caller's bearer token."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from bff_mobile.errors import CODES, MobileError

log = logging.getLogger("shopgraph.bff_mobile")

ACCEPT = "application/graphql-response+json, application/json;q=0.9"
CLIENT_NAME = "shopgraph-mobile"
"""Who the router's logs and metrics say called it (``apollographql-client-name``)."""
RETRY_STATUSES = frozenset({502, 503, 504})
NOT_ANSWERED = (httpx.ConnectTimeout, httpx.NetworkError, httpx.RemoteProtocolError)
"""The connection failed before the router answered: a query may go again, a mutation not."""


class RouterClient:
    """One shared ``httpx.AsyncClient`` (pooled connections) and the loaded operations.

    Operations go by id: the SHA-256 of their document, as Apollo's persisted queries name
    them, which the router finds in the manifest it was given
    (``persisted-query-manifest.json``, see :func:`bff_mobile.operations.manifest`) or in its
    APQ store. A router that has neither asks for the document
    (``PERSISTED_QUERY_NOT_FOUND``) and gets it once with the id, which registers it; one
    without persisted queries at all (``PERSISTED_QUERY_NOT_SUPPORTED``) gets documents from
    then on.

    A call takes ``timeout_seconds`` at most. A query goes once more, after a jittered pause
    of about ``retry_backoff_seconds``, when the connection failed or the router answered 502,
    503 or 504; a mutation never does, since it may have run.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        operations: Mapping[str, str],
        *,
        timeout_seconds: float = 10.0,
        retry_backoff_seconds: float = 0.1,
    ) -> None:
        self.http = http
        self.url = url
        self.operations = operations
        self.queries = {name for name, text in operations.items() if _is_query(text, name)}
        self.ids = {name: document_id(text) for name, text in operations.items()}
        self.by_id = True
        """False once the router said it takes no persisted queries."""
        self.timeout_seconds = timeout_seconds
        self.retry_backoff_seconds = retry_backoff_seconds

    async def run(
        self, name: str, variables: dict[str, Any], authorization: str | None = None
    ) -> dict[str, Any]:
        """The operation's ``data``; a router error is raised as a GraphQL error with its code."""
        headers = {"content-type": "application/json", "accept": ACCEPT,
                   "apollographql-client-name": CLIENT_NAME}  # fmt: skip
        if authorization:
            headers["authorization"] = authorization
        try:
            async with asyncio.timeout(self.timeout_seconds):
                body = await self._call(name, variables, headers)
        except httpx.ConnectTimeout as error:
            log.warning("router request %s failed: %r", name, error)
            raise MobileError("the router cannot be reached", "ROUTER_UNAVAILABLE") from error
        except (TimeoutError, httpx.TimeoutException) as error:
            raise MobileError("the router did not answer in time", "ROUTER_UNAVAILABLE") from error
        except httpx.HTTPError as error:
            log.warning("router request %s failed: %r", name, error)
            raise MobileError("the router cannot be reached", "ROUTER_UNAVAILABLE") from error
        errors = body.get("errors")
        if errors:
            raise _router_error(errors[0], signed_in=bool(authorization))
        data = body.get("data")
        if not isinstance(data, dict):
            raise MobileError("the router answered without data", "ROUTER_UNAVAILABLE")
        return data

    async def _call(
        self, name: str, variables: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"operationName": name, "variables": variables}
        if not self.by_id:
            payload["query"] = self.operations[name]
            return _graphql_body(await self._post(name, orjson.dumps(payload), headers))
        payload["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": self.ids[name]}}
        body = _graphql_body(await self._post(name, orjson.dumps(payload), headers))
        code = _first_code(body)
        if code == "PERSISTED_QUERY_NOT_SUPPORTED":
            log.warning("the router takes no persisted queries: sending whole documents")
            self.by_id = False
            del payload["extensions"]
        elif code != "PERSISTED_QUERY_NOT_FOUND":
            return body
        payload["query"] = self.operations[name]
        return _graphql_body(await self._post(name, orjson.dumps(payload), headers))

    async def _post(self, name: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        if name in self.queries:
            try:
                response = await self.http.post(self.url, content=content, headers=headers)
                if response.status_code not in RETRY_STATUSES:
                    return response
                log.info("router answered %s to %s: once more", response.status_code, name)
            except NOT_ANSWERED as error:
                log.info("router request %s failed (%r): once more", name, error)
            jitter = random.uniform(0.5, 1.5)  # noqa: S311 (spreads retries; no secret)
            await asyncio.sleep(self.retry_backoff_seconds * jitter)
        return await self.http.post(self.url, content=content, headers=headers)


def document_id(document: str) -> str:
    """The id the router knows ``document`` by: its SHA-256, in hex."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def _first_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    extensions = errors[0].get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else None


def _is_query(document: str, name: str) -> bool:
    operation = get_operation_ast(parse(document), name)
    return operation is not None and operation.operation == OperationType.QUERY


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
