"""Retries of subgraph calls against real servers on loopback: queries only, after failures
that say the subgraph did not handle the request, within one deadline and a budget."""

from __future__ import annotations

import asyncio
import time

import pytest

from datastores.testservices.base import free_port
from router.execution.breaker import BreakerSettings
from router.execution.client import HttpSubgraphClient, SubgraphError
from router.execution.retry import RetryPolicy
from router.telemetry.metrics import REGISTRY
from tests.router.execution.scripted_server import (
    CLOSE,
    answering,
    hang,
    partial,
    reply,
    scripted_server,
)

QUERY = {"query": "{ a }"}
OK = reply(200, {"data": {"a": 1}})
QUICK = RetryPolicy(backoff_base_seconds=0.005, backoff_max_seconds=0.02)
BREAKER = BreakerSettings()


def _client(
    *, timeout: float = 5.0, retry: RetryPolicy | None = QUICK,
    breaker: BreakerSettings | None = BREAKER,
) -> HttpSubgraphClient:  # fmt: skip
    return HttpSubgraphClient(timeout=timeout, retry=retry, breaker=breaker)


def _retries(subgraph: str, outcome: str) -> float:
    labels = {"subgraph": subgraph, "outcome": outcome}
    return REGISTRY.get_sample_value("shopgraph_router_subgraph_retries_total", labels) or 0.0


async def test_a_query_is_retried_after_a_503_and_succeeds() -> None:
    client = _client()
    before = _retries("retry-503", "retried")
    async with scripted_server(answering(reply(503, b"busy"), reply(503, b"busy"), OK)) as server:
        answer = await client.send("retry-503", server.url, QUERY, {}, retry=True)
    await client.aclose()
    assert answer == {"data": {"a": 1}}
    assert server.hits == 3
    assert _retries("retry-503", "retried") - before == 2


async def test_a_mutation_is_never_retried() -> None:
    client = _client()
    async with scripted_server(answering(reply(503, b"busy"), then=OK)) as server:
        with pytest.raises(SubgraphError, match="HTTP 503"):
            await client.send("mutation-503", server.url, {"query": "mutation { a }"}, {})
        async with scripted_server(answering(CLOSE, then=OK)) as closing:
            with pytest.raises(SubgraphError, match="could not be reached"):
                await client.send("mutation-close", closing.url, QUERY, {}, retry=False)
    await client.aclose()
    assert server.hits == 1
    assert closing.hits == 1


async def test_retries_end_with_the_last_answer_for_the_reader() -> None:
    client = _client()
    async with scripted_server(answering(reply(502, {"errors": [{"message": "x"}]}))) as server:
        answer = await client.send_bytes("retry-last", server.url, b"{}", {}, retry=True)
    await client.aclose()
    assert (answer.status, server.hits) == (502, 3)  # one call and two retries


async def test_a_connection_closed_before_any_answer_is_retried() -> None:
    client = _client()
    async with scripted_server(answering(CLOSE, then=OK)) as server:
        assert await client.send("retry-close", server.url, QUERY, {}, retry=True)
    await client.aclose()
    assert server.hits == 2


async def test_a_refused_connection_is_retried() -> None:
    client = _client(breaker=None)
    before = _retries("retry-refused", "retried")
    with pytest.raises(SubgraphError, match="could not be reached"):
        await client.send("retry-refused", f"http://127.0.0.1:{free_port()}/", QUERY, {},
                          retry=True)  # fmt: skip
    await client.aclose()
    assert _retries("retry-refused", "retried") - before == 2


async def test_a_pooled_connection_closed_mid_answer_is_retried_a_fresh_one_is_not() -> None:
    client = _client()
    # The first call leaves its connection in the pool; the second is cut under it.
    async with scripted_server(answering(OK, partial(), OK)) as pooled:
        await client.send("retry-pooled", pooled.url, QUERY, {}, retry=True)
        assert await client.send("retry-pooled", pooled.url, QUERY, {}, retry=True)
    assert (pooled.hits, pooled.connections) == (3, 2)
    # On a new connection, an answer cut in the middle may have been the subgraph failing
    # on this very request: sending it again is not worth it.
    async with scripted_server(answering(partial(), then=OK)) as fresh:
        with pytest.raises(SubgraphError, match="could not be reached"):
            await client.send("retry-fresh", fresh.url, QUERY, {}, retry=True)
    await client.aclose()
    assert fresh.hits == 1


@pytest.mark.parametrize("status", [200, 400, 500])
async def test_a_graphql_answer_with_errors_is_not_retried(status: int) -> None:
    client = _client()
    errors = {"data": None, "errors": [{"message": "boom"}]}
    async with scripted_server(answering(reply(status, errors), then=OK)) as server:
        answer = await client.send("retry-errors", server.url, QUERY, {}, retry=True)
    await client.aclose()
    assert answer == errors
    assert server.hits == 1


async def test_a_429_is_retried_only_when_its_retry_after_fits_in_the_deadline() -> None:
    client = _client(timeout=2.0)
    too_late = reply(429, b"slow down", {"retry-after": "60"})
    soon = reply(429, b"slow down", {"retry-after": "0"})
    async with scripted_server(answering(too_late, then=OK)) as server:
        answer = await client.send_bytes("retry-429", server.url, b"{}", {}, retry=True)
        assert (answer.status, server.hits) == (429, 1)
    async with scripted_server(answering(soon, reply(429, b"no header"), OK)) as server:
        assert await client.send("retry-429", server.url, QUERY, {}, retry=True)
        assert server.hits == 3
    await client.aclose()


async def test_a_timeout_is_not_retried() -> None:
    client = _client(timeout=0.3)
    async with scripted_server(hang) as server:
        with pytest.raises(SubgraphError) as raised:
            await client.send("retry-timeout", server.url, QUERY, {}, retry=True)
    await client.aclose()
    assert raised.value.code == "SUBREQUEST_TIMEOUT"
    assert server.hits == 1


async def test_one_deadline_covers_the_call_and_its_retries() -> None:
    """Two slow 503s, then a hang: the call ends at its timeout, not at a timeout per try."""

    async def slow_then_hang(hit: int, body: bytes) -> bytes:
        if hit <= 2:
            await asyncio.sleep(0.4)
            return reply(503, b"busy")
        return await hang(hit, body)

    client = _client(timeout=1.0)
    async with scripted_server(slow_then_hang) as server:
        started = time.monotonic()
        with pytest.raises(SubgraphError) as raised:
            await client.send("retry-deadline", server.url, QUERY, {}, retry=True)
        elapsed = time.monotonic() - started
    await client.aclose()
    assert raised.value.code == "SUBREQUEST_TIMEOUT"
    assert server.hits == 3
    assert 0.9 < elapsed < 1.6  # a timeout per attempt would be 1.8 s at least


async def test_retries_stop_when_the_budget_is_spent() -> None:
    """Half a retry earned per call and no floor: ten failing calls get five retries, not
    twenty, and the server sees fifteen requests."""
    policy = RetryPolicy(
        backoff_base_seconds=0.001, budget_ratio=0.5, budget_min_per_second=0.0
    )  # fmt: skip
    client = _client(retry=policy, breaker=None)
    exhausted = _retries("retry-budget", "budget_exhausted")
    retried = _retries("retry-budget", "retried")
    async with scripted_server(answering(reply(503, b"down"))) as server:
        for _ in range(10):
            answer = await client.send_bytes("retry-budget", server.url, b"{}", {}, retry=True)
            assert answer.status == 503
    await client.aclose()
    assert server.hits == 15
    assert _retries("retry-budget", "retried") - retried == 5
    assert _retries("retry-budget", "budget_exhausted") - exhausted == 10


async def test_every_attempt_counts_for_the_breaker_and_an_open_circuit_ends_retries() -> None:
    client = _client(breaker=BreakerSettings(failures=2))
    async with scripted_server(answering(reply(503, b"down"))) as server:
        answer = await client.send_bytes("retry-breaker", server.url, b"{}", {}, retry=True)
        assert answer.status == 503
        assert server.hits == 2  # the second failure opened the circuit: no third try
        with pytest.raises(SubgraphError) as raised:
            await client.send_bytes("retry-breaker", server.url, b"{}", {}, retry=True)
    await client.aclose()
    assert raised.value.code == "SUBREQUEST_CIRCUIT_OPEN"
    assert server.hits == 2
    assert client.circuit_states() == {"retry-breaker": "open"}


async def test_retries_can_be_turned_off() -> None:
    client = _client(retry=None)
    async with scripted_server(answering(reply(503, b"busy"), then=OK)) as server:
        answer = await client.send_bytes("retry-off", server.url, b"{}", {}, retry=True)
    await client.aclose()
    assert (answer.status, server.hits) == (503, 1)
