"""Calling subgraphs over HTTP: pooled keep-alive connections, timeouts, in-flight dedup."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

import httpx
import orjson

from router.types import JSONObject, RouterError


class SubgraphError(RouterError):
    """A subgraph could not be reached or answered with something that is not GraphQL."""

    code = "SUBREQUEST_HTTP_ERROR"


class SubgraphClient(Protocol):
    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str]
    ) -> JSONObject:
        """POST a GraphQL request; return the decoded GraphQL response."""
        ...


class HttpSubgraphClient:
    """One pooled ``httpx.AsyncClient`` for all subgraphs.

    Identical requests in flight at the same time (same URL, body and forwarded headers) share
    one HTTP call. ``timeouts`` gives per-subgraph timeouts in seconds.
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        timeouts: Mapping[str, float] | None = None,
        dedupe: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self._http = httpx.AsyncClient(limits=limits, transport=transport, timeout=timeout)
        self._timeout = timeout
        self._timeouts = dict(timeouts or {})
        self._dedupe = dedupe
        self._in_flight: dict[bytes, asyncio.Future[JSONObject]] = {}

    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str]
    ) -> JSONObject:
        payload = orjson.dumps(body)
        if not self._dedupe:
            return await self._post(subgraph, url, payload, headers)
        key = orjson.dumps([url, payload.decode(), sorted(headers.items())])
        pending = self._in_flight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[JSONObject] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            result = await self._post(subgraph, url, payload, headers)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._in_flight[key]

    async def _post(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> JSONObject:
        request_headers = {
            **headers,
            "content-type": "application/json",
            "accept": "application/graphql-response+json, application/json",
        }
        timeout = self._timeouts.get(subgraph, self._timeout)
        try:
            response = await self._http.post(
                url, content=payload, headers=request_headers, timeout=timeout
            )
        except httpx.TimeoutException as error:
            raise SubgraphError(
                f"subgraph '{subgraph}' did not answer within {timeout:g}s",
                code="SUBREQUEST_TIMEOUT",
            ) from error
        except httpx.HTTPError as error:
            raise SubgraphError(f"subgraph '{subgraph}' could not be reached: {error}") from error
        try:
            decoded = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            decoded = None
        if not isinstance(decoded, dict) or ("data" not in decoded and "errors" not in decoded):
            raise SubgraphError(
                f"subgraph '{subgraph}' answered HTTP {response.status_code} "
                "without a GraphQL response"
            )
        return decoded

    async def aclose(self) -> None:
        await self._http.aclose()
