"""A stand-in for the router on a real loopback port, for the BFFs' router-call tests: it
counts the GraphQL requests it gets, fails the first ``failures`` of them and answers the rest.

A failure is an HTTP status (with a plain-text body, as a load balancer sends) or ``"drop"``:
the connection is closed without an answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import orjson

DATA = {"ok": True}


@dataclass
class FakeRouter:
    failures: int = 0
    failure: int | Literal["drop"] = 503
    delay_seconds: float = 0.0
    """How long each GraphQL answer takes."""
    health_status: int = 200
    bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    """Where its GraphQL endpoint is, once it runs."""
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def hits(self) -> int:
        return len(self.bodies)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path == "/health":
            self._send(handler, self.health_status, b'{"status": "UP"}')
            return
        length = int(handler.headers.get("content-length", "0"))
        body = orjson.loads(handler.rfile.read(length))
        with self.lock:
            self.bodies.append(body)
            failing = len(self.bodies) <= self.failures
        self.stopping.wait(self.delay_seconds)
        if not failing:
            self._send(handler, 200, orjson.dumps({"data": DATA}))
        elif self.failure == "drop":
            handler.close_connection = True
        else:
            self._send(handler, self.failure, b"router unavailable", "text/plain")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
              content_type: str = "application/json") -> None:  # fmt: skip
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (a BFF that timed out) is what some tests want


@contextmanager
def running(router: FakeRouter) -> Iterator[FakeRouter]:
    """``router`` serving on a free port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            router.answer(self)

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    router.url = f"http://127.0.0.1:{server.server_address[1]}/graphql"
    try:
        yield router
    finally:
        router.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
