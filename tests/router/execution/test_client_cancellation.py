"""A shared subgraph call that nobody waits for any more is cancelled (a client gone from a
streamed response), against a server on loopback; while one caller still waits, it runs on."""

from __future__ import annotations

import asyncio

import orjson

from router.execution.client import HttpSubgraphClient
from router.telemetry.metrics import REGISTRY
from tests.router.execution.scripted_server import hang, reply, scripted_server


def _in_flight(subgraph: str) -> float:
    value = REGISTRY.get_sample_value("shopgraph_router_subgraph_in_flight", {"subgraph": subgraph})
    return value or 0.0


async def test_a_call_its_last_caller_gives_up_is_cancelled() -> None:
    client = HttpSubgraphClient(timeout=30)
    payload = orjson.dumps({"query": "{ slow }"})
    async with scripted_server(hang) as server:
        first = client.start("cancel-shared", server.url, payload, {})
        second = client.start("cancel-shared", server.url, payload, {})
        async with asyncio.timeout(5):
            while server.hits < 1:  # noqa: ASYNC110 - the server offers no event to wait on
                await asyncio.sleep(0.01)
        first.cancel()
        await asyncio.sleep(0.05)
        assert _in_flight("cancel-shared") == 1  # the second caller still waits
        second.cancel()
        async with asyncio.timeout(5):
            while _in_flight("cancel-shared") != 0:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    await client.aclose()
    assert server.hits == 1


async def test_a_new_caller_after_a_cancelled_call_gets_a_call_of_its_own() -> None:
    client = HttpSubgraphClient(timeout=30)
    payload = orjson.dumps({"query": "{ fast }"})
    answers = iter([None, reply()])

    async def script(hit: int, _: bytes) -> bytes:
        if hit == 1:
            await asyncio.Event().wait()  # the first call never answers
        return next(answers) or reply()

    async with scripted_server(script) as server:
        gone = client.start("cancel-again", server.url, payload, {})
        async with asyncio.timeout(5):
            while server.hits < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        gone.cancel()
        async with asyncio.timeout(5):
            while _in_flight("cancel-again") != 0:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        answer = await client.send_bytes("cancel-again", server.url, payload, {})
    await client.aclose()
    assert answer.status == 200
    assert server.hits == 2
