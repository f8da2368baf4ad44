"""Install what the test suite needs: ``python -m datastores.testservices.install``.

Debian's ``postgresql``, ``redis-server`` and ``chromium`` packages when missing (as root, or with
passwordless sudo), then the FerretDB and Elasticsearch launchers. Safe to run again: it
only does what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

from datastores.testservices.base import TestServiceError
from datastores.testservices.builds import (
    elasticsearch_classpath,
    ferretdb_launcher,
    postgres_bindir,
    redis_server,
)


def _chromium() -> object:
    """Headless Chromium for the browser tests (Playwright drives Debian's build)."""
    if shutil.which("chromium") is None:
        raise TestServiceError("chromium not found")
    return None


DEBIAN_PACKAGES: dict[str, Callable[[], object]] = {
    "postgresql": postgres_bindir,
    "redis-server": redis_server,
    "chromium": _chromium,
}


def main() -> int:
    began = time.monotonic()
    missing = [package for package, probe in DEBIAN_PACKAGES.items() if not _found(probe)]
    try:
        if missing:
            _apt_install(missing)
        for name, build in (("mongo (FerretDB)", ferretdb_launcher),
                            ("elasticsearch", elasticsearch_classpath)):  # fmt: skip
            step = time.monotonic()
            build()
            print(f"[testservices] {name}: ready ({time.monotonic() - step:.1f}s)", flush=True)
        postgres_bindir()
        redis_server()
    except TestServiceError as error:
        print(f"[testservices] {error}", file=sys.stderr)
        return 1
    print(f"[testservices] all test server programs present ({time.monotonic() - began:.1f}s)")
    return 0


def _found(probe: Callable[[], object]) -> bool:
    try:
        probe()
    except TestServiceError:
        return False
    return True


def _apt_install(packages: list[str]) -> None:
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise TestServiceError(f"need root to install {' '.join(packages)} with apt-get")
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"[testservices] installing Debian packages: {' '.join(packages)}", flush=True)
    began = time.monotonic()
    steps = [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ]
    for argv in steps:
        result = subprocess.run(
            [*prefix, *argv], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise TestServiceError(f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}")
    took = time.monotonic() - began
    print(f"[testservices] Debian packages: installed ({took:.1f}s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
