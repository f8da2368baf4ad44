"""The whole system for end-to-end tests: ``shopgraph dev`` in a subprocess, on the test
servers' stores (PostgreSQL, MongoDB-compatible, Elasticsearch, Redis) or on embedded ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.sql import postgres_database_url

ROOT = Path(__file__).resolve().parents[2]
BASE_PORTS = {"router": 4000, "products": 4001, "orders": 4002, "search": 4003, "users": 4004,
              "identity": 4100, "bff_web": 3000, "bff_mobile": 3001, "media": 4500}  # fmt: skip


@dataclass(frozen=True)
class Stack:
    offset: int
    log: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{BASE_PORTS[service] + self.offset}"


@contextmanager
def running_stack(
    data_dir: Path, *, offset: int, stores: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None, timeout: float = 90.0,
) -> Iterator[Stack]:  # fmt: skip
    """Start every service; yield once all of them serve. ``stores``: store URL settings."""
    log = data_dir / "stack.log"
    env = {**os.environ, "SHOPGRAPH_DEV_PORT_OFFSET": str(offset),
           "SHOPGRAPH_DEV_WITHOUT": "traces",  # its moved port is among the ephemeral ones
           "SHOPGRAPH_DATA_DIR": str(data_dir), **(stores or {}), **(extra_env or {})}  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "shopgraph.cli", "dev"], cwd=ROOT, env=env,
            stdout=output, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while "shopgraph dev: running" not in log.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the stack did not start:\n{log.read_text()[-4000:]}")
                time.sleep(0.1)
            yield Stack(offset, log)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()  # reaped, so that no test sees it linger


@contextmanager
def stores_on_test_servers(
    postgres_url: str, mongo_url: str, elasticsearch_url: str, redis_url: str, *, redis_db: int
) -> Iterator[dict[str, str]]:
    """Store settings pointing at fresh databases, index and keys on the test servers.

    ``redis_db``: a Redis database of the stack's own, so that its services (the search indexer
    in its consumer group, carts, caches) never meet another stack's or a test's.
    """
    suffix = uuid.uuid4().hex[:10]
    with postgres_database_url(postgres_url) as postgres:
        yield {
            "SHOPGRAPH_POSTGRES_URL": postgres.replace("postgresql+asyncpg://", "postgresql://"),
            "SHOPGRAPH_MONGO_URL": mongo_url,
            "SHOPGRAPH_MONGO_DATABASE": f"e2e_{suffix}",
            "SHOPGRAPH_ELASTICSEARCH_URL": elasticsearch_url,
            "SHOPGRAPH_SEARCH_ALIAS": f"e2e-{suffix}",
            "SHOPGRAPH_REDIS_URL": f"{redis_url.rsplit('/', 1)[0]}/{redis_db}",
        }
