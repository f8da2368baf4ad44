"""The subgraph transport against real HTTP servers on loopback: uvicorn for well-behaved
answers, and raw asyncio servers for the ways a peer can misbehave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from datastores.testservices.base import free_port
from router.execution.http1 import AnswerTooLargeError, Http1Client, HttpCallError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A TCP server answering with ``handler``; every connection is closed on the way out."""
    running: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await handler(reader, writer)
        finally:
            writer.close()
            running.discard(task)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.close()
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await server.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head, await reader.readexactly(length)


async def _echo(request: Request) -> Response:
    body = await request.body()
    headers = {"x-seen-" + k: v for k, v in request.headers.items() if k.startswith("x-")}
    return Response(body, media_type="application/json", headers=headers)


async def _chunked(_: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b'{"data":', b'{"a":', b"1}}"):
            yield part

    return StreamingResponse(parts(), media_type="application/json")


@asynccontextmanager
async def uvicorn_server() -> AsyncIterator[tuple[str, list[int]]]:
    """A real HTTP/1.1 server; the list holds the peer port of every request it served."""
    peers: list[int] = []

    async def peer(request: Request) -> Response:
        assert request.client is not None
        peers.append(request.client.port)
        return Response(b'{"data":{}}', media_type="application/json")

    app = Starlette(routes=[Route("/echo", _echo, methods=["POST"]),
                            Route("/chunked", _chunked, methods=["POST"]),
                            Route("/peer", peer, methods=["POST"])])  # fmt: skip
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="error", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn's Server offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", peers
    finally:
        server.should_exit = True
        await task


async def test_a_post_reads_the_whole_answer_and_sends_the_headers() -> None:
    client = Http1Client()
    async with uvicorn_server() as (base, _):
        status, body = await client.post(f"{base}/echo", b'{"query":"{a}"}', {"x-tenant": "t-1"}, 5)
        assert (status, body) == (200, b'{"query":"{a}"}')
        status, body = await client.post(f"{base}/chunked", b"{}", {}, 5)
        assert (status, body) == (200, b'{"data":{"a":1}}')
    await client.aclose()


async def test_connections_are_kept_alive_and_reused() -> None:
    client = Http1Client()
    async with uvicorn_server() as (base, peers):
        for _ in range(5):
            await client.post(f"{base}/peer", b"{}", {}, 5)
    await client.aclose()
    assert len(peers) == 5
    assert len(set(peers)) == 1, "one connection served every sequential call"


async def test_concurrent_calls_are_capped_per_origin() -> None:
    open_now = 0
    most = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        try:
            while True:
                await _read_request(reader)
                await asyncio.sleep(0.02)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            open_now -= 1
            writer.close()

    client = Http1Client(max_connections=3)
    async with raw_server(handler) as url:
        answers = await asyncio.gather(*(client.post(url, b"{}", {}, 5) for _ in range(12)))
        await client.aclose()
    assert all(answer == (200, b"{}") for answer in answers)
    assert most == 3


async def test_a_connection_the_peer_closed_is_not_reused() -> None:
    served = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        await _read_request(reader)
        served += 1
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()  # keep-alive was implied, but the server closes anyway

    client = Http1Client()
    async with raw_server(handler) as url:
        first = await client.post(url, b"{}", {}, 5)
        await asyncio.sleep(0.05)
        second = await client.post(url, b"{}", {}, 5)
        await client.aclose()
    assert first == second == (200, b"{}")
    assert served == 2


async def test_a_connection_close_answer_is_not_pooled() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}")
        await writer.drain()
        await reader.read()  # open until the client closes it: the client decides
        writer.close()

    client = Http1Client()
    async with raw_server(handler) as url:
        await client.post(url, b"{}", {}, 5)
        await client.post(url, b"{}", {}, 5)
        await client.aclose()
    assert connections == 2


async def test_a_slow_peer_times_out_and_its_connection_is_dropped() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await reader.read()  # until the client gives up and closes
        writer.close()

    client = Http1Client()
    async with raw_server(handler) as url:
        with pytest.raises(TimeoutError):
            await client.post(url, b"{}", {}, 0.2)
        await client.aclose()


async def test_an_answer_past_the_bound_fails_the_call() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        try:
            for _ in range(100):
                writer.write(b"400\r\n" + b"x" * 1024 + b"\r\n")
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    client = Http1Client(max_answer_bytes=10_000)
    async with raw_server(handler) as url:
        with pytest.raises(AnswerTooLargeError):
            await client.post(url, b"{}", {}, 5)
        await client.aclose()


async def test_garbage_and_early_close_are_call_errors() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    async def early(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{")
        await writer.drain()
        writer.close()

    client = Http1Client()
    for handler in (garbage, early):
        async with raw_server(handler) as url:
            with pytest.raises(HttpCallError):
                await client.post(url, b"{}", {}, 5)
    with pytest.raises(HttpCallError):
        await client.post("http://127.0.0.1:1/graphql", b"{}", {}, 5)  # nothing listens
    with pytest.raises(HttpCallError):
        await client.post("ftp://example.com/graphql", b"{}", {}, 5)
    await client.aclose()


async def test_a_header_value_with_a_line_break_is_refused() -> None:
    client = Http1Client()
    with pytest.raises(HttpCallError, match="line break"):
        await client.post("http://127.0.0.1:1/graphql", b"{}", {"x-a": "1\r\nx-injected: 1"}, 5)
