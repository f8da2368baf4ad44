"""A throwaway single-node Elasticsearch 8 built from Maven Central's artifacts."""

from __future__ import annotations

import os

from datastores.testservices.base import ServerHandle, free_port, launch, log_says, make_workdir
from datastores.testservices.builds import ELASTICSEARCH_MAIN, elasticsearch_classpath, java

HEAP = os.environ.get("SHOPGRAPH_TEST_ELASTICSEARCH_HEAP", "512m")


def start_elasticsearch() -> ServerHandle:
    classpath, modules = elasticsearch_classpath()
    workdir = make_workdir("elasticsearch")
    http_port, transport_port = free_port(), free_port()
    argv = [
        str(java()), f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseSerialGC",
        "-Djava.awt.headless=true", "-cp", classpath, ELASTICSEARCH_MAIN,
        "--http-port", str(http_port), "--transport-port", str(transport_port),
        "--home", str(workdir), "--modules", str(modules),
    ]  # fmt: skip
    return launch("elasticsearch", argv, url=f"http://127.0.0.1:{http_port}", workdir=workdir,
                  ready=log_says("READY http://"), timeout=180)  # fmt: skip
