"""A throwaway PostgreSQL cluster: ``initdb`` into a temp dir, ``postgres`` on a free port."""

from __future__ import annotations

import subprocess
from pathlib import Path

from datastores.testservices.base import (
    ServerHandle,
    TestServiceError,
    free_port,
    give_to,
    launch,
    make_workdir,
    unprivileged_user,
)
from datastores.testservices.builds import postgres_bindir


def start_postgres() -> ServerHandle:
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

    def accepting(_: Path) -> bool:
        probe = subprocess.run(
            [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)],
            capture_output=True, check=False,
        )  # fmt: skip
        return probe.returncode == 0

    return launch("postgres", argv, url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
                  workdir=workdir, ready=accepting, timeout=60, user=user)  # fmt: skip
