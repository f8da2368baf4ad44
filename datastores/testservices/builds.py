"""Finding the server programs on this machine, and building our two small launchers.

PostgreSQL and Redis come from Debian's packages; FerretDB and Elasticsearch run through
launchers kept beside this file (a Go module and a Maven project) and built on first use.
Builds are cached under ``~/.cache/shopgraph`` keyed by a digest of their sources.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from datastores.testservices.base import TestServiceError

HERE = Path(__file__).resolve().parent
FERRETDB_SOURCE = HERE / "ferretdb"
ELASTICSEARCH_SOURCE = HERE / "elasticsearch"
ELASTICSEARCH_MAIN = "dev.shopgraph.testservices.elasticsearch.Launcher"


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    path = base / "shopgraph"
    path.mkdir(parents=True, exist_ok=True)
    return path


def postgres_bindir() -> Path:
    """The directory holding ``initdb`` and ``postgres`` (newest installed major version)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if candidates and (Path(candidates[-1]) / "initdb").exists():
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise TestServiceError(
        "postgres: initdb/postgres not found; install Debian's package: apt-get install postgresql"
    )


def redis_server() -> Path:
    found = shutil.which("redis-server")
    if not found:
        raise TestServiceError(
            "redis: redis-server not found; install Debian's package: apt-get install redis-server"
        )
    return Path(found)


def ferretdb_launcher() -> Path:
    """Build (once per source digest) and return the FerretDB launcher binary."""
    digest = _digest(FERRETDB_SOURCE, ["go.mod", "go.sum", "main.go"])
    target = cache_dir() / "bin" / f"ferretdb-launcher-{digest}"
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise TestServiceError("mongo: the Go toolchain is needed to build FerretDB (go not found)")
    target.parent.mkdir(parents=True, exist_ok=True)
    _run("mongo", [go, "build", "-o", str(target), "."], cwd=FERRETDB_SOURCE)
    return target


def elasticsearch_classpath() -> tuple[str, Path]:
    """Build (once per source digest) the Elasticsearch launcher: its classpath and modules."""
    sources = [str(p.relative_to(ELASTICSEARCH_SOURCE)) for p in _java_sources()]
    digest = _digest(ELASTICSEARCH_SOURCE, ["pom.xml", *sources])
    target = ELASTICSEARCH_SOURCE / "target"
    stamp = target / f".built-{digest}"
    if not stamp.exists():
        mvn = shutil.which("mvn")
        if mvn is None:
            raise TestServiceError(
                "elasticsearch: Maven is needed to build the node (mvn not found)"
            )
        _run("elasticsearch", [mvn, "-B", "-q", "-DskipTests", "package"], cwd=ELASTICSEARCH_SOURCE)
        stamp.touch()
    jar = target / "shopgraph-testservices-elasticsearch.jar"
    return f"{jar}{os.pathsep}{target / 'lib' / '*'}", target / "modules"


def java() -> Path:
    found = shutil.which("java")
    if not found:
        raise TestServiceError("elasticsearch: a Java 17+ runtime is needed (java not found)")
    return Path(found)


def _java_sources() -> list[Path]:
    return sorted((ELASTICSEARCH_SOURCE / "src").rglob("*.*"))


def _digest(root: Path, names: list[str]) -> str:
    sha = hashlib.sha256()
    for name in sorted(names):
        sha.update(name.encode())
        sha.update((root / name).read_bytes())
    return sha.hexdigest()[:12]


def _run(name: str, argv: list[str], cwd: Path) -> None:
    print(f"[testservices] building {name}: {' '.join(argv)} (in {cwd})", flush=True)
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-4000:]
        raise TestServiceError(f"{name}: build failed ({' '.join(argv)}):\n{output}")
