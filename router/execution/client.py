"""Calling subgraphs over HTTP: pooled keep-alive connections, timeouts, in-flight dedup.

The transport is ``http1.Http1Client``: the router spends most of its time making subgraph
calls, and it costs a fifth of the CPU aiohttp's client did per call (aiohttp's in turn cost
a quarter of httpx's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import orjson

from router.execution.breaker import BreakerSettings, CircuitBreaker, State
from router.execution.http1 import (
    AnswerTooLargeError,
    Http1Client,
    HttpAnswer,
    HttpCallError,
    UnansweredError,
)
from router.execution.retry import (
    RETRY_STATUSES,
    RetryBudget,
    RetryPolicy,
    retry_after_seconds,
)
from router.telemetry.metrics import (
    SUBGRAPH_CAPACITY_REFUSALS,
    SUBGRAPH_CIRCUIT_REFUSALS,
    SUBGRAPH_CIRCUIT_STATE,
    SUBGRAPH_IN_FLIGHT,
    SUBGRAPH_REQUESTS,
    SUBGRAPH_RETRIES,
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


def graphql_response(subgraph: str, answer: SubgraphAnswer) -> JSONObject:
    """``answer`` decoded; :class:`SubgraphError` unless it is a GraphQL response."""
    try:
        decoded = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict) or ("data" not in decoded and "errors" not in decoded):
        raise SubgraphError(
            f"subgraph '{subgraph}' answered HTTP {answer.status} without a GraphQL response"
        )
    return decoded


class SubgraphClient(Protocol):
    """``retry``: the request may be sent again after a failure that says it was not handled
    (a query; never a mutation)."""

    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> JSONObject:  # fmt: skip
        """POST a GraphQL request; return the decoded GraphQL response."""
        ...

    async def send_bytes(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> SubgraphAnswer:  # fmt: skip
        """POST a GraphQL request already serialized; return the answer undecoded (whoever
        reads it checks it is a GraphQL response)."""
        ...

    def start(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> asyncio.Future[SubgraphAnswer]:  # fmt: skip
        """``send_bytes``, started at once; the answer as a future."""
        ...


class HttpSubgraphClient:
    """One connection pool per subgraph origin.

    Identical requests in flight at the same time (same URL, body and forwarded headers) share
    one HTTP call. Each setting has a default and a mapping of per-subgraph overrides:
    ``timeout``/``timeouts`` in seconds, one deadline for a call and its retries;
    ``breaker``/``breakers`` the circuit breaker; ``retry``/``retries`` the retry policy of
    queries (None for none); ``max_connections``/``connections`` the connections to the
    subgraph's origin; ``max_in_flight``/``in_flight`` the calls at once, one more waiting at
    most ``queue_timeout`` seconds for a slot before it fails with ``SUBREQUEST_CAPACITY``.
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        timeouts: Mapping[str, float] | None = None,
        dedupe: bool = True,
        max_connections: int = 128,
        connections: Mapping[str, int] | None = None,
        breaker: BreakerSettings | None = BreakerSettings(),  # noqa: B008 (frozen)
        breakers: Mapping[str, BreakerSettings | None] | None = None,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 (frozen)
        retries: Mapping[str, RetryPolicy | None] | None = None,
        max_in_flight: int = 512,
        in_flight: Mapping[str, int] | None = None,
        queue_timeout: float = 0.05,
    ) -> None:
        self._http = Http1Client(max_connections=max_connections)
        self._connections = dict(connections or {})
        self._retry = retry
        self._retry_overrides = dict(retries or {})
        self._budgets: dict[str, RetryBudget] = {}
        self._max_in_flight = max_in_flight
        self._in_flight_limits = dict(in_flight or {})
        self._slots: dict[str, _Slots] = {}
        self._queue_timeout = queue_timeout
        self._breaker_settings = breaker
        self._breaker_overrides = dict(breakers or {})
        self._breakers: dict[str, CircuitBreaker | None] = {}
        self._timeout = timeout
        self._timeouts = dict(timeouts or {})
        self._dedupe = dedupe
        self._in_flight: dict[_Key, asyncio.Future[SubgraphAnswer]] = {}
        self._waiters: dict[asyncio.Future[SubgraphAnswer], int] = {}

    async def send(
        self, subgraph: str, url: str, body: JSONObject, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> JSONObject:  # fmt: skip
        answer = await self.send_bytes(subgraph, url, orjson.dumps(body), headers, retry=retry)
        return graphql_response(subgraph, answer)

    async def send_bytes(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> SubgraphAnswer:  # fmt: skip
        """The answer; identical requests in flight share one call, and one answer."""
        return await self.start(subgraph, url, payload, headers, retry=retry)

    def start(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        *, retry: bool = False,
    ) -> asyncio.Future[SubgraphAnswer]:  # fmt: skip
        """The call, started now; its answer as a future (``send_bytes`` without the
        coroutine, so that a plan's parallel fetches need no task each). Identical calls in
        flight share one; each caller gets a future of its own, so that cancelling it (a
        client gone) cancels nobody else's: the call runs on, within its timeout, until the
        last caller waiting for it gives up."""
        if not self._dedupe:
            return asyncio.ensure_future(self._post(subgraph, url, payload, headers, retry))
        key = (url, payload, tuple(sorted(headers.items())) if headers else ())
        call = self._in_flight.get(key)
        if call is None:
            call = asyncio.ensure_future(self._post(subgraph, url, payload, headers, retry))
            self._in_flight[key] = call
            call.add_done_callback(lambda done: self._forget(key, done))
        return self._waiter(key, call)

    def _waiter(
        self, key: _Key, call: asyncio.Future[SubgraphAnswer]
    ) -> asyncio.Future[SubgraphAnswer]:
        """A caller's own future of a shared call; when the last one waiting is cancelled
        before the answer, the call is cancelled too (and a new caller starts another)."""
        waiter = asyncio.shield(call)
        self._waiters[call] = self._waiters.get(call, 0) + 1

        def release(done: asyncio.Future[SubgraphAnswer]) -> None:
            left = self._waiters.pop(call, 1) - 1
            if left > 0:
                self._waiters[call] = left
            elif done.cancelled() and not call.done():
                if self._in_flight.get(key) is call:
                    del self._in_flight[key]
                call.cancel()

        waiter.add_done_callback(release)
        return waiter

    def _forget(self, key: _Key, call: asyncio.Future[SubgraphAnswer]) -> None:
        if self._in_flight.get(key) is call:
            del self._in_flight[key]
        if not call.cancelled():
            call.exception()  # retrieved: each caller still gets it from its own future

    async def _post(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str], retry: bool
    ) -> SubgraphAnswer:
        """One call, measured (``http_client_request_duration_seconds``) and, when traces
        are exported, in a client span whose context goes along as ``traceparent``."""
        span = fetch_span(subgraph, url)
        if span is not None:
            headers = with_trace_context(span, headers)
        started = time.perf_counter()
        try:
            answer = await self._call(subgraph, url, payload, headers, retry)
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
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str], retry: bool
    ) -> SubgraphAnswer:
        """The call within the subgraph's timeout (one deadline, retries included), its
        in-flight cap and its circuit breaker, which counts every attempt."""
        deadline = time.monotonic() + self._timeouts.get(subgraph, self._timeout)
        breaker = self._breaker(subgraph)
        if breaker is not None and not breaker.allow():
            SUBGRAPH_CIRCUIT_REFUSALS.labels(subgraph).inc()
            raise SubgraphError(
                f"subgraph '{subgraph}' is failing and is not called for now (circuit open)",
                code="SUBREQUEST_CIRCUIT_OPEN",
            )
        slots = self._slots_of(subgraph)
        try:
            await slots.acquire(min(self._queue_timeout, max(deadline - time.monotonic(), 0)))
        except BaseException:
            _abandoned(breaker)  # not called: its probe (if this was one) is free again
            raise
        try:
            return await self._attempts(subgraph, url, payload, headers, deadline, retry)
        finally:
            slots.release()

    async def _attempts(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        deadline: float, retry: bool,
    ) -> SubgraphAnswer:  # fmt: skip
        """Attempts until one answers, or until a failure may not be retried: a query is
        tried again, within its retry budget, after a failure that says the subgraph did not
        handle it, unless its circuit opened meanwhile."""
        policy = self._retry_overrides.get(subgraph, self._retry) if retry else None
        budget = self._budget(subgraph, policy) if policy is not None else None
        if budget is not None:
            budget.called()
        breaker = self._breakers[subgraph]
        retries = 0
        while True:
            outcome = await self._attempt(subgraph, url, payload, headers, deadline, breaker)
            if isinstance(outcome, SubgraphAnswer):
                return outcome
            pause = None
            if policy is not None and budget is not None:  # a query
                pause = self._retry_pause(subgraph, policy, budget, retries, deadline, outcome)
            if pause is not None:
                await asyncio.sleep(pause)
            if pause is None or (breaker is not None and not breaker.allow()):
                if outcome.status is not None:  # its body may say more: the reader's
                    return SubgraphAnswer(outcome.status, outcome.body)
                raise outcome
            retries += 1

    async def _attempt(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str],
        deadline: float, breaker: CircuitBreaker | None,
    ) -> SubgraphAnswer | _AttemptError:  # fmt: skip
        """One HTTP exchange, counted by the breaker: its answer, or a failure (returned) a
        retry may cure; a timeout is raised (the deadline is the call's: no time is left)."""
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            limit = self._connections.get(subgraph)
            answer = await self._http.exchange(url, payload, headers, remaining, limit)
        except TimeoutError as error:
            _failed(breaker)
            timeout = self._timeouts.get(subgraph, self._timeout)
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
            unanswered = isinstance(error, UnansweredError)
            failure = _AttemptError(f"subgraph '{subgraph}' could not be reached", unanswered)
            failure.__cause__ = error
            return failure
        except BaseException:
            _abandoned(breaker)
            raise
        if answer.status >= 500:
            _failed(breaker)
        else:
            _succeeded(breaker)
        if answer.status in RETRY_STATUSES:
            message = f"subgraph '{subgraph}' answered HTTP {answer.status}"
            return _AttemptError(message, True, answer)
        return SubgraphAnswer(answer.status, answer.body)

    def _retry_pause(
        self, subgraph: str, policy: RetryPolicy, budget: RetryBudget, retries: int,
        deadline: float, failure: _AttemptError,
    ) -> float | None:  # fmt: skip
        """How long to wait before trying again (at least what ``Retry-After`` asks); None
        when not to try again: not retryable, no retries left, no time left, no budget."""
        breaker = self._breakers[subgraph]
        if not failure.retryable or retries >= policy.max_retries:
            return None
        if breaker is not None and breaker.state == "open":
            return None
        pause = max(policy.backoff(retries), failure.retry_after or 0.0)
        if time.monotonic() + pause >= deadline:
            return None
        if not budget.withdraw():
            SUBGRAPH_RETRIES.labels(subgraph, "budget_exhausted").inc()
            return None
        SUBGRAPH_RETRIES.labels(subgraph, "retried").inc()
        return pause

    def _budget(self, subgraph: str, policy: RetryPolicy) -> RetryBudget:
        budget = self._budgets.get(subgraph)
        if budget is None:
            budget = self._budgets[subgraph] = RetryBudget(policy)
        return budget

    def _slots_of(self, subgraph: str) -> _Slots:
        slots = self._slots.get(subgraph)
        if slots is None:
            limit = self._in_flight_limits.get(subgraph, self._max_in_flight)
            slots = self._slots[subgraph] = _Slots(subgraph, limit)
        return slots

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


def _abandoned(breaker: CircuitBreaker | None) -> None:
    if breaker is not None:
        breaker.abandoned()


class _AttemptError(SubgraphError):
    """A failed attempt: ``retryable`` when it says the subgraph did not handle the request
    (no connection, or HTTP 429/502/503/504). Past its retries, an answer's status and body
    go to the reader, which words the client's error."""

    def __init__(self, message: str, retryable: bool, answer: HttpAnswer | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = answer.status if answer is not None else None
        self.body = answer.body if answer is not None else b""
        self.retry_after = retry_after_seconds(answer.retry_after) if answer is not None else None


class _Slots:
    """The calls one subgraph may have in flight at once; one more waits a moment for a slot,
    then fails with ``SUBREQUEST_CAPACITY``, so that a subgraph that stopped answering holds
    at most ``limit`` of the router's calls (and connections)."""

    def __init__(self, subgraph: str, limit: int) -> None:
        self.subgraph = subgraph
        self.limit = limit
        self.used = 0
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.gauge = SUBGRAPH_IN_FLIGHT.labels(subgraph)

    async def acquire(self, wait: float) -> None:
        """Take a slot, waiting at most ``wait`` seconds for one."""
        if self.used < self.limit:
            self.used += 1
            self.gauge.set(self.used)
            return
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            async with asyncio.timeout(wait):
                await waiter  # the slot is handed over by release(): ``used`` stays
        except TimeoutError:
            if _handed_over(waiter):
                return  # in the same instant as the wait ran out: it is ours
            SUBGRAPH_CAPACITY_REFUSALS.labels(self.subgraph).inc()
            raise SubgraphError(
                f"subgraph '{self.subgraph}' has {self.limit} calls in flight already",
                code="SUBREQUEST_CAPACITY",
            ) from None
        except BaseException:
            if _handed_over(waiter):
                self.release()  # cancelled as the slot came: it goes to the next one
            raise
        finally:
            if not _handed_over(waiter):
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self.waiters.remove(waiter)  # release() would skip it; sooner is leaner

    def release(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes to the next waiter
                return
        self.used -= 1
        self.gauge.set(self.used)


def _handed_over(waiter: asyncio.Future[None]) -> bool:
    return waiter.done() and not waiter.cancelled()
