"""A throwaway single-node Elasticsearch 8 built from Maven Central's artifacts."""

from __future__ import annotations

import os
import time

from datastores.testservices.base import (
    ServerHandle,
    TestServiceError,
    free_port,
    make_workdir,
    spawn,
    wait_until,
)
from datastores.testservices.builds import ELASTICSEARCH_MAIN, elasticsearch_classpath, java

HEAP = os.environ.get("SHOPGRAPH_TEST_ELASTICSEARCH_HEAP", "512m")


def start_elasticsearch() -> ServerHandle:
    began = time.monotonic()
    classpath, modules = elasticsearch_classpath()
    workdir = make_workdir("elasticsearch")
    http_port, transport_port = free_port(), free_port()
    argv = [
        str(java()), f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseSerialGC",
        "-Djava.awt.headless=true", "-cp", classpath, ELASTICSEARCH_MAIN,
        "--http-port", str(http_port), "--transport-port", str(transport_port),
        "--home", str(workdir), "--modules", str(modules),
    ]  # fmt: skip
    process, log_path = spawn("elasticsearch", argv, workdir=workdir)
    handle = ServerHandle(
        name="elasticsearch",
        url=f"http://127.0.0.1:{http_port}",
        process=process,
        log_path=log_path,
        workdir=workdir,
    )

    def ready() -> bool:
        return "READY http://" in log_path.read_text(errors="replace")

    try:
        wait_until("elasticsearch", ready, process=process, log_path=log_path, timeout=180)
    except TestServiceError:
        handle.stop()
        raise
    handle.started_in = time.monotonic() - began
    return handle
