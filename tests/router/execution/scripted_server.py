"""A raw HTTP/1.1 server on loopback whose every answer a test scripts: a status, a close
before (or in the middle of) the answer, or no answer at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import orjson

CLOSE = b""
"""A reply that closes the connection without a byte of answer."""

Script = Callable[[int, bytes], Awaitable[bytes]]
"""The raw reply to request number ``hit`` (from 1) with ``body``."""


def reply(
    status: int = 200, body: object = None, headers: dict[str, str] | None = None
) -> bytes:  # fmt: skip
    """A whole HTTP answer; ``body`` as JSON (``{"data": {}}`` if None) unless it is bytes."""
    content = body if isinstance(body, bytes) else orjson.dumps(body or {"data": {}})
    lines = [f"HTTP/1.1 {status} Scripted", f"content-length: {len(content)}",
             "content-type: application/json"]  # fmt: skip
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + content


def answering(*replies: bytes, then: bytes | None = None) -> Script:
    """``replies`` in turn, then ``then`` (the last reply if None) to every later request."""

    async def script(hit: int, _: bytes) -> bytes:
        if hit <= len(replies):
            return replies[hit - 1]
        return then if then is not None else replies[-1]

    return script


async def hang(_: int, __: bytes) -> bytes:
    """Never answers (the server's exit ends it)."""
    await asyncio.Event().wait()
    return CLOSE


@dataclass
class ScriptedServer:
    url: str
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 0

    @property
    def hits(self) -> int:
        return len(self.bodies)


@asynccontextmanager
async def scripted_server(script: Script) -> AsyncIterator[ScriptedServer]:
    """Serve ``script`` on a free port, keeping connections alive between requests."""
    running: set[asyncio.Task[None]] = set()
    server_state = ScriptedServer("")

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        server_state.connections += 1
        try:
            while True:
                body = await _read_request(reader)
                server_state.bodies.append(body)
                answer = await script(server_state.hits, body)
                if not answer:
                    return
                writer.write(answer)
                await writer.drain()
                if b"content-length" not in answer.split(b"\r\n\r\n", 1)[0].lower():
                    return  # a partial answer: cut the connection under it
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            running.discard(task)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    server_state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
    try:
        yield server_state
    finally:
        server.close()
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await server.wait_closed()


def partial(status: int = 200) -> bytes:
    """The head of an answer that promises a body, and half of it: a close mid-answer."""
    return f'HTTP/1.1 {status} Scripted\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{{"da'.encode()


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)
