"""A throwaway PostgreSQL cluster: ``initdb`` into a temp dir, ``postgres`` on a free port."""

from __future__ import annotations

import subprocess
import time

from datastores.testservices.base import (
    ServerHandle,
    TestServiceError,
    free_port,
    give_to,
    make_workdir,
    spawn,
    unprivileged_user,
    wait_until,
)
from datastores.testservices.builds import postgres_bindir


def start_postgres() -> ServerHandle:
    began = time.monotonic()
    bindir = postgres_bindir()
    user = unprivileged_user()
    workdir = make_workdir("postgres")
    give_to(workdir, user)
    datadir = workdir / "data"

    initdb = subprocess.run(
        [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--no-sync", "--no-instructions"],
        capture_output=True, text=True, user=user, check=False, cwd=workdir,
    )  # fmt: skip
    if initdb.returncode != 0:
        raise TestServiceError(f"postgres: initdb failed:\n{initdb.stdout}{initdb.stderr}")

    port = free_port()
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(workdir),
        "max_connections": "200",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "log_connections": "on",
        "log_disconnections": "on",
    }
    argv = [str(bindir / "postgres"), "-D", str(datadir), "-p", str(port)]
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    process, log_path = spawn("postgres", argv, workdir=workdir, user=user)

    def accepting() -> bool:
        probe = subprocess.run(
            [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)],
            capture_output=True, check=False,
        )  # fmt: skip
        return probe.returncode == 0

    handle = ServerHandle(
        name="postgres",
        url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        process=process,
        log_path=log_path,
        workdir=workdir,
    )
    try:
        wait_until("postgres", accepting, process=process, log_path=log_path, timeout=60)
    except TestServiceError:
        handle.stop()
        raise
    handle.started_in = time.monotonic() - began
    return handle
