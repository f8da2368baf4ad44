"""Services as separate processes, the way a cluster runs several replicas of one: each is
``shopgraph`` in a subprocess with its own settings, on a free port, stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from datastores.testservices.base import free_port

ROOT = Path(__file__).resolve().parents[2]


def emptied_redis(redis_url: str, db: int) -> str:
    """The URL of database ``db`` on the test Redis server, emptied first: the one Redis that a
    test's replicas share, and nothing else uses."""
    url = f"{redis_url.rsplit('/', 1)[0]}/{db}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


@dataclass
class Instance:
    """One running replica: where it answers, its process, its log."""

    url: str
    process: subprocess.Popen[str]
    log: Path

    def kill(self) -> None:
        """As a node failure or an OOM kill would: no shutdown, nothing acknowledged."""
        self.process.kill()
        self.process.wait(10)


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path, *,
            health: str = "/health", timeout: float = 60.0) -> Iterator[Instance]:  # fmt: skip
    """``shopgraph ARGS --port P`` with ``env`` over the test's environment; yields once
    ``health`` answers 200."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "shopgraph.cli", *args, "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        instance = Instance(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_healthy(instance, health, timeout)
            yield instance
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_healthy(instance: Instance, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise RuntimeError(f"it exited:\n{instance.log.read_text()[-3000:]}")
        try:
            if httpx.get(instance.url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"not healthy in {timeout:.0f} s:\n{instance.log.read_text()[-3000:]}")
