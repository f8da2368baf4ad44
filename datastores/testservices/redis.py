"""A throwaway Redis server with persistence off."""

from __future__ import annotations

import socket
from pathlib import Path

from datastores.testservices.base import ServerHandle, free_port, launch, make_workdir
from datastores.testservices.builds import redis_server


def start_redis() -> ServerHandle:
    binary = redis_server()
    workdir = make_workdir("redis")
    port = free_port()
    argv = [
        str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
        "--save", "", "--appendonly", "no", "--protected-mode", "no",
        "--loglevel", "verbose", "--daemonize", "no",
    ]  # fmt: skip

    def answers_ping(_: Path) -> bool:
        return _pong(port)

    return launch("redis", argv, url=f"redis://127.0.0.1:{port}/0", workdir=workdir,
                  ready=answers_ping, timeout=30)  # fmt: skip


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
