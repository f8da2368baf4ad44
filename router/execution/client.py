"""Calling subgraphs over HTTP: pooled keep-alive connections, timeouts, in-flight dedup.

The transport is ``http1.Http1Client``: the router spends most of its time making subgraph
calls, and it costs a fifth of the CPU aiohttp's client did per call (aiohttp's in turn cost
a quarter of httpx's).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import orjson

from router.execution.breaker import BreakerSettings, CircuitBreaker, State
from router.execution.http1 import AnswerTooLargeError, Http1Client, HttpCallError
from router.telemetry.metrics import (
    SUBGRAPH_CIRCUIT_REFUSALS,
    SUBGRAPH_CIRCUIT_STATE,
    SUBGRAPH_REQUESTS,
)
from router.telemetry.spans import end_fetch, fetch_span, with_trace_context
from router.types import JSONObject, RouterError

log = logging.getLogger("shopgraph.router")


_Key = tuple[str, bytes, tuple[tuple[str, str], ...]]


class SubgraphError(RouterError):
    """A subgraph could not be reached or answered with something that is not GraphQL."""

    code = "SUBREQUEST_HTTP_ERROR"


@dataclass(slots=True)
class SubgraphAnswer:
    """A subgraph's HTTP answer, undecoded. Requests that share one call (identical ones in
    flight at once) get the same object."""

    status: int
    body: bytes
    decoded: object = None
    """What a reader made of ``body`` (the compiled data path's parse), kept here so that the
    requests sharing the call decode it once."""


class SubgraphClient(Protocol):
    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str]
    ) -> JSONObject:
        """POST a GraphQL request; return the decoded GraphQL response."""
        ...

    async def send_bytes(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> SubgraphAnswer:
        """POST a GraphQL request already serialized; return the answer undecoded (whoever
        reads it checks it is a GraphQL response)."""
        ...

    def start(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> asyncio.Future[SubgraphAnswer]:
        """``send_bytes``, started at once; the answer as a future."""
        ...


class HttpSubgraphClient:
    """One connection pool per subgraph origin.

    Identical requests in flight at the same time (same URL, body and forwarded headers) share
    one HTTP call. ``timeouts`` gives per-subgraph timeouts in seconds; ``breakers`` each
    subgraph's circuit breaker settings (``breaker`` for the others; None for none).
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        timeouts: Mapping[str, float] | None = None,
        dedupe: bool = True,
        max_connections: int = 200,
        breaker: BreakerSettings | None = BreakerSettings(),  # noqa: B008 (frozen)
        breakers: Mapping[str, BreakerSettings | None] | None = None,
    ) -> None:
        self._http = Http1Client(max_connections=max_connections)
        self._breaker_settings = breaker
        self._breaker_overrides = dict(breakers or {})
        self._breakers: dict[str, CircuitBreaker | None] = {}
        self._timeout = timeout
        self._timeouts = dict(timeouts or {})
        self._dedupe = dedupe
        self._in_flight: dict[_Key, asyncio.Future[SubgraphAnswer]] = {}

    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str]
    ) -> JSONObject:
        answer = await self.send_bytes(subgraph, url, orjson.dumps(body), headers)
        status = answer.status
        try:
            decoded = orjson.loads(answer.body)
        except orjson.JSONDecodeError:
            decoded = None
        if not isinstance(decoded, dict) or ("data" not in decoded and "errors" not in decoded):
            raise SubgraphError(
                f"subgraph '{subgraph}' answered HTTP {status} without a GraphQL response"
            )
        return decoded

    async def send_bytes(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> SubgraphAnswer:
        """The answer; identical requests in flight share one call, and one answer."""
        return await self.start(subgraph, url, payload, headers)

    def start(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> asyncio.Future[SubgraphAnswer]:
        """The call, started now; its answer as a future (``send_bytes`` without the
        coroutine, so that a plan's parallel fetches need no task each). Identical calls in
        flight share one; each caller gets a future of its own, so that cancelling it (a
        client gone) cancels nobody else's: the call runs on, within its timeout."""
        if not self._dedupe:
            return asyncio.ensure_future(self._post(subgraph, url, payload, headers))
        key = (url, payload, tuple(sorted(headers.items())) if headers else ())
        pending = self._in_flight.get(key)
        if pending is not None:
            return asyncio.shield(pending)
        call = asyncio.ensure_future(self._post(subgraph, url, payload, headers))
        self._in_flight[key] = call
        call.add_done_callback(lambda _: self._forget(key, call))
        return asyncio.shield(call)

    def _forget(self, key: _Key, call: asyncio.Future[SubgraphAnswer]) -> None:
        if self._in_flight.get(key) is call:
            del self._in_flight[key]
        if not call.cancelled():
            call.exception()  # retrieved: each caller still gets it from its own future

    async def _post(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> SubgraphAnswer:
        """One call, measured (``http_client_request_duration_seconds``) and, when traces
        are exported, in a client span whose context goes along as ``traceparent``."""
        span = fetch_span(subgraph, url)
        if span is not None:
            headers = with_trace_context(span, headers)
        started = time.perf_counter()
        try:
            answer = await self._call(subgraph, url, payload, headers)
        except SubgraphError as error:
            SUBGRAPH_REQUESTS.labels(subgraph, "", error.code).observe(
                time.perf_counter() - started
            )
            end_fetch(span, None, error)
            raise
        except BaseException as error:
            end_fetch(span, None, error)
            raise
        SUBGRAPH_REQUESTS.labels(subgraph, _STATUS.get(answer.status) or str(answer.status),
                                 "").observe(time.perf_counter() - started)  # fmt: skip
        end_fetch(span, answer.status)
        return answer

    async def _call(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]
    ) -> SubgraphAnswer:
        timeout = self._timeouts.get(subgraph, self._timeout)
        breaker = self._breaker(subgraph)
        if breaker is not None and not breaker.allow():
            SUBGRAPH_CIRCUIT_REFUSALS.labels(subgraph).inc()
            raise SubgraphError(
                f"subgraph '{subgraph}' is failing and is not called for now (circuit open)",
                code="SUBREQUEST_CIRCUIT_OPEN",
            )
        try:
            status, body = await self._http.post(url, payload, headers, timeout)
        except TimeoutError as error:
            _failed(breaker)
            raise SubgraphError(
                f"subgraph '{subgraph}' did not answer within {timeout:g}s",
                code="SUBREQUEST_TIMEOUT",
            ) from error
        except AnswerTooLargeError as error:
            _succeeded(breaker)  # it answers: too much, which is no outage
            raise SubgraphError(
                f"subgraph '{subgraph}' answered more than the router reads"
            ) from error
        except HttpCallError as error:
            _failed(breaker)
            # The cause names hosts and ports: it goes to the log, not to the client.
            log.warning("subgraph %s could not be reached: %s", subgraph, error)
            raise SubgraphError(f"subgraph '{subgraph}' could not be reached") from error
        except BaseException:
            if breaker is not None:
                breaker.abandoned()
            raise
        if status >= 500:
            _failed(breaker)
        else:
            _succeeded(breaker)
        return SubgraphAnswer(status, body)

    def _breaker(self, subgraph: str) -> CircuitBreaker | None:
        if subgraph in self._breakers:
            return self._breakers[subgraph]
        settings = self._breaker_overrides.get(subgraph, self._breaker_settings)
        breaker = None
        if settings is not None:

            def changed(state: State) -> None:
                SUBGRAPH_CIRCUIT_STATE.labels(subgraph).set(_STATE_VALUES[state])
                log.warning("subgraph %s: circuit %s", subgraph, state.replace("_", " "))

            breaker = CircuitBreaker(settings, on_change=changed)
            SUBGRAPH_CIRCUIT_STATE.labels(subgraph).set(0)
        self._breakers[subgraph] = breaker
        return breaker

    def circuit_states(self) -> dict[str, State]:
        """Each called subgraph's circuit, for readiness reports."""
        return {name: b.state for name, b in self._breakers.items() if b is not None}

    async def aclose(self) -> None:
        await self._http.aclose()


_STATE_VALUES: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}
_STATUS = {code: str(code) for code in (200, 400, 401, 403, 404, 429, 500, 502, 503, 504)}


def _failed(breaker: CircuitBreaker | None) -> None:
    if breaker is not None:
        breaker.failed()


def _succeeded(breaker: CircuitBreaker | None) -> None:
    if breaker is not None:
        breaker.succeeded()
