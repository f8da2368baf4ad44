"""The four test servers by name, and how each is started or taken from the environment."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from datastores.testservices.base import ServerHandle
from datastores.testservices.elasticsearch import start_elasticsearch
from datastores.testservices.mongo import start_mongo
from datastores.testservices.postgres import start_postgres
from datastores.testservices.redis import start_redis


@dataclass(frozen=True)
class ServerSpec:
    name: str
    env_var: str
    start: Callable[[], ServerHandle]


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec("postgres", "SHOPGRAPH_TEST_POSTGRES_URL", start_postgres),
        ServerSpec("redis", "SHOPGRAPH_TEST_REDIS_URL", start_redis),
        ServerSpec("mongo", "SHOPGRAPH_TEST_MONGO_URL", start_mongo),
        ServerSpec("elasticsearch", "SHOPGRAPH_TEST_ELASTICSEARCH_URL", start_elasticsearch),
    )
}


def start_server(name: str) -> ServerHandle:
    """Start the named server, or wrap the URL its environment variable gives."""
    spec = SERVERS[name]
    url = os.environ.get(spec.env_var)
    if url:
        return ServerHandle(name=name, url=url)
    began = time.monotonic()
    handle = spec.start()
    handle.started_in = time.monotonic() - began
    return handle
