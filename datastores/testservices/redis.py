"""A throwaway Redis server with persistence off."""

from __future__ import annotations

import socket
import time

from datastores.testservices.base import (
    ServerHandle,
    TestServiceError,
    free_port,
    make_workdir,
    spawn,
    wait_until,
)
from datastores.testservices.builds import redis_server


def start_redis() -> ServerHandle:
    began = time.monotonic()
    binary = redis_server()
    workdir = make_workdir("redis")
    port = free_port()
    argv = [
        str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
        "--save", "", "--appendonly", "no", "--protected-mode", "no",
        "--loglevel", "verbose", "--daemonize", "no",
    ]  # fmt: skip
    process, log_path = spawn("redis", argv, workdir=workdir)
    handle = ServerHandle(
        name="redis",
        url=f"redis://127.0.0.1:{port}/0",
        process=process,
        log_path=log_path,
        workdir=workdir,
    )
    try:
        wait_until("redis", lambda: _pong(port), process=process, log_path=log_path, timeout=30)
    except TestServiceError:
        handle.stop()
        raise
    handle.started_in = time.monotonic() - began
    return handle


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
