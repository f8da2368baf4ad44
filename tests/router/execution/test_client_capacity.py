"""The cap on calls in flight per subgraph, against real servers on loopback: a subgraph that
hangs holds at most its share of the router's calls, and the others are not held up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import orjson
import pytest

from router.execution.client import HttpSubgraphClient, SubgraphAnswer, SubgraphError
from router.telemetry.metrics import REGISTRY
from tests.router.execution.scripted_server import answering, hang, reply, scripted_server


def _sample(name: str, subgraph: str) -> float:
    return REGISTRY.get_sample_value(name, {"subgraph": subgraph}) or 0.0


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the servers offer no event to wait on
            await asyncio.sleep(0.01)


def _payload(n: int) -> bytes:
    return orjson.dumps({"query": "{ a }", "variables": {"n": n}})


async def test_a_call_over_the_cap_fails_at_once_and_other_subgraphs_still_answer() -> None:
    client = HttpSubgraphClient(max_in_flight=2, timeout=10, dedupe=False)
    refusals = _sample("shopgraph_router_subgraph_capacity_refusals_total", "cap-hanging")
    async with scripted_server(hang) as hanging, scripted_server(answering(reply())) as healthy:
        held = [client.start("cap-hanging", hanging.url, _payload(n), {}) for n in range(2)]
        await _until(lambda: hanging.hits == 2)
        assert _sample("shopgraph_router_subgraph_in_flight", "cap-hanging") == 2
        started = time.monotonic()
        with pytest.raises(SubgraphError) as raised:
            await client.send_bytes("cap-hanging", hanging.url, _payload(3), {}, retry=True)
        assert time.monotonic() - started < 1  # not the 10 s timeout
        assert raised.value.code == "SUBREQUEST_CAPACITY"
        assert hanging.hits == 2  # the refused call never went out
        answers = await asyncio.gather(
            *(client.send_bytes("cap-healthy", healthy.url, _payload(n), {}) for n in range(5))
        )
        assert [answer.status for answer in answers] == [200] * 5
        for call in held:
            call.cancel()
        await asyncio.gather(*held, return_exceptions=True)
    await client.aclose()
    assert _sample("shopgraph_router_subgraph_capacity_refusals_total", "cap-hanging") == (
        refusals + 1
    )
    assert _sample("shopgraph_router_subgraph_in_flight", "cap-hanging") == 0
    assert client.circuit_states()["cap-hanging"] == "closed"  # a refusal is no failure


async def test_identical_calls_sharing_one_call_take_one_slot() -> None:
    async def slowly(_: int, __: bytes) -> bytes:
        await asyncio.sleep(0.3)
        return reply()

    client = HttpSubgraphClient(max_in_flight=1, queue_timeout=0.01)
    async with scripted_server(slowly) as server:
        shared = [client.start("cap-shared", server.url, _payload(1), {}) for _ in range(3)]
        with pytest.raises(SubgraphError, match="calls in flight"):
            await client.send_bytes("cap-shared", server.url, _payload(2), {})
        answers: list[SubgraphAnswer] = await asyncio.gather(*shared)
    await client.aclose()
    assert [answer.status for answer in answers] == [200] * 3
    assert server.hits == 1


async def test_a_call_waits_its_queue_timeout_for_a_slot_that_frees() -> None:
    async def slowly(_: int, __: bytes) -> bytes:
        await asyncio.sleep(0.1)
        return reply()

    client = HttpSubgraphClient(max_in_flight=1, queue_timeout=2.0, dedupe=False)
    async with scripted_server(slowly) as server:
        answers = await asyncio.gather(
            *(client.send_bytes("cap-queue", server.url, _payload(n), {}) for n in range(3))
        )
    await client.aclose()
    assert [answer.status for answer in answers] == [200] * 3
    assert server.connections == 1  # one at a time: one connection did it all
    assert _sample("shopgraph_router_subgraph_in_flight", "cap-queue") == 0


async def test_a_waiter_that_gives_up_does_not_take_a_slot_with_it() -> None:
    async def slowly(_: int, __: bytes) -> bytes:
        await asyncio.sleep(0.2)
        return reply()

    client = HttpSubgraphClient(max_in_flight=1, queue_timeout=5.0, dedupe=False)
    async with scripted_server(slowly) as server:
        first = client.start("cap-cancel", server.url, _payload(1), {})
        await _until(lambda: server.hits == 1)
        waiting = client.start("cap-cancel", server.url, _payload(2), {})
        await asyncio.sleep(0.05)
        waiting.cancel()
        assert (await first).status == 200
        assert (await client.send_bytes("cap-cancel", server.url, _payload(3), {})).status == 200
    await client.aclose()
    assert server.hits == 2
    assert _sample("shopgraph_router_subgraph_in_flight", "cap-cancel") == 0


async def test_connections_per_subgraph_are_capped() -> None:
    open_now = most = 0

    async def counting(_: int, __: bytes) -> bytes:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        await asyncio.sleep(0.05)
        open_now -= 1
        return reply()

    client = HttpSubgraphClient(connections={"cap-connections": 2}, dedupe=False)
    async with scripted_server(counting) as server:
        await asyncio.gather(
            *(client.send_bytes("cap-connections", server.url, _payload(n), {}) for n in range(8))
        )
    await client.aclose()
    assert (most, server.connections) == (2, 2)
