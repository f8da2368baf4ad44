"""A throwaway MongoDB-wire-compatible server: FerretDB v1 on its SQLite backend."""

from __future__ import annotations

from datastores.testservices.base import ServerHandle, free_port, launch, log_says, make_workdir
from datastores.testservices.builds import ferretdb_launcher


def start_mongo() -> ServerHandle:
    binary = ferretdb_launcher()
    workdir = make_workdir("mongo")
    port = free_port()
    argv = [
        str(binary), "--listen", f"127.0.0.1:{port}",
        "--data-dir", str(workdir / "data"), "--log-level", "info",
    ]  # fmt: skip
    return launch("mongo", argv, url=f"mongodb://127.0.0.1:{port}/", workdir=workdir,
                  ready=log_says("READY mongodb://"), timeout=30)  # fmt: skip
