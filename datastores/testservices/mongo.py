"""A throwaway MongoDB-wire-compatible server: FerretDB v1 on its SQLite backend."""

from __future__ import annotations

import time

from datastores.testservices.base import (
    ServerHandle,
    TestServiceError,
    free_port,
    make_workdir,
    spawn,
    wait_until,
)
from datastores.testservices.builds import ferretdb_launcher


def start_mongo() -> ServerHandle:
    began = time.monotonic()
    binary = ferretdb_launcher()
    workdir = make_workdir("mongo")
    port = free_port()
    argv = [
        str(binary), "--listen", f"127.0.0.1:{port}",
        "--data-dir", str(workdir / "data"), "--log-level", "info",
    ]  # fmt: skip
    process, log_path = spawn("mongo", argv, workdir=workdir)
    handle = ServerHandle(
        name="mongo",
        url=f"mongodb://127.0.0.1:{port}/",
        process=process,
        log_path=log_path,
        workdir=workdir,
    )

    def ready() -> bool:
        return "READY mongodb://" in log_path.read_text(errors="replace")

    try:
        wait_until("mongo", ready, process=process, log_path=log_path, timeout=30)
    except TestServiceError:
        handle.stop()
        raise
    handle.started_in = time.monotonic() - began
    return handle
