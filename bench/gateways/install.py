"""What the benchmark runs that is not in the repository, built or installed into
~/.cache/shopgraph (under ``$XDG_CACHE_HOME`` when set) when missing: k6, Hive Router, the
subgraphs' binary and the JavaScript peers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
K6_VERSION = "v1.8.1"
HIVE_ROUTER_VERSION = "0.0.43"  # what the public benchmark installs
NODE_FILES = ("package.json", "package-lock.json", "compose.mjs", "apollo-gateway.mjs")


def cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shopgraph"


@dataclass(frozen=True)
class Tools:
    k6: Path
    hive_router: Path
    subgraphs: Path
    node_dir: Path
    """npm ci'd copy of package.json, with the JavaScript files the peers run beside it."""


def tools() -> Tools:
    return Tools(
        k6=cache() / "bin" / "k6",
        hive_router=cache() / f"hive-router-{HIVE_ROUTER_VERSION}" / "bin" / "hive_router",
        subgraphs=cache() / "bench-gateways" / "target" / "release" / "bench-subgraphs",
        node_dir=cache() / "bench-gateways" / "node",
    )


def install(*, need_hive_router: bool) -> Tools:
    """Build or install each missing tool, printing what it does; return where they are."""
    paths = tools()
    cache().joinpath("bin").mkdir(parents=True, exist_ok=True)
    if not paths.k6.exists() or K6_VERSION not in version_of(paths.k6):
        step(f"installing k6 {K6_VERSION} (go install)")
        env = {**os.environ, "GOBIN": str(paths.k6.parent)}
        run(["nice", "go", "install", f"go.k6.io/k6@{K6_VERSION}"], env=env)
    if need_hive_router and not paths.hive_router.exists():
        step(f"building Hive Router {HIVE_ROUTER_VERSION} (cargo install --locked, minutes)")
        root = paths.hive_router.parents[1]
        run(["nice", "cargo", "install", f"hive-router@{HIVE_ROUTER_VERSION}", "--locked",
             "--root", str(root)])  # fmt: skip
    step("building the subgraphs (cargo build --release)")
    run(["nice", "cargo", "build", "--release", "--quiet",
         "--manifest-path", str(HERE / "subgraphs" / "Cargo.toml"),
         "--target-dir", str(paths.subgraphs.parents[1])])  # fmt: skip
    install_node_packages(paths.node_dir)
    return paths


def install_node_packages(directory: Path) -> None:
    """npm ci into ``directory`` when package-lock.json changed; copy the peers' scripts."""
    directory.mkdir(parents=True, exist_ok=True)
    lock = (HERE / "package-lock.json").read_text()
    stamp = directory / "node_modules" / ".shopgraph-lock"
    for name in NODE_FILES:
        shutil.copyfile(HERE / name, directory / name)
    if stamp.exists() and stamp.read_text() == lock:
        return
    step(f"installing the JavaScript peers (npm ci in {directory})")
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=directory)
    stamp.write_text(lock)


def version_of(k6: Path) -> str:
    done = subprocess.run([str(k6), "version"], capture_output=True, text=True, check=False)
    return done.stdout


def npm_version(directory: Path, package: str) -> str:
    manifest = directory / "node_modules" / package / "package.json"
    version: str = json.loads(manifest.read_text())["version"]
    return version


def step(message: str) -> None:
    print(f"[install] {message}", flush=True)


def run(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"[install] failed ({done.returncode}): {' '.join(argv)}")
