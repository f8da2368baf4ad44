"""Pinned npm packages for tests that drive a Node tool, installed once per machine.

Each set lives in ``~/.cache/shopgraph/<name>`` (under ``$XDG_CACHE_HOME`` when set), never in
the repository; a stamp holding the manifest says the install finished, and a file lock keeps
two test processes from installing into the same folder at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

INSTALL_TIMEOUT_SECONDS = 600


class NodeToolError(RuntimeError):
    """Node or npm could not install or run the tool (not: the tool reported a finding)."""


def cache_dir(name: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "shopgraph" / name


def install_packages(name: str, packages: Mapping[str, str]) -> Path:
    """Install ``packages`` (name to exact version) into ``cache_dir(name)`` unless already
    there; return that directory."""
    directory = cache_dir(name)
    directory.mkdir(parents=True, exist_ok=True)
    manifest = json.dumps(
        {"name": f"shopgraph-{name.replace('/', '-')}", "private": True,
         "dependencies": dict(packages)},
        indent=2,
    )  # fmt: skip
    stamp = directory / "node_modules" / ".shopgraph-installed"
    with _exclusive(directory / ".install.lock"):
        if stamp.exists() and stamp.read_text() == manifest:
            return directory
        (directory / "package.json").write_text(manifest + "\n")
        command = [program("npm"), "install", "--no-audit", "--no-fund", "--loglevel=error"]
        run(command, cwd=directory, timeout=INSTALL_TIMEOUT_SECONDS)
        stamp.write_text(manifest)
    return directory


def run_node(script: Path, directory: Path, payload: Any, *, timeout: float) -> Any:
    """Run ``node SCRIPT DIRECTORY`` with ``payload`` as JSON on stdin; return its JSON stdout."""
    command = [program("node"), str(script), str(directory)]
    output = run(command, cwd=directory, stdin=json.dumps(payload), timeout=timeout)
    try:
        return json.loads(output)
    except json.JSONDecodeError as error:
        raise NodeToolError(
            f"`{' '.join(command)}` printed no JSON ({error}):\n{output[-4000:]}"
        ) from error


def program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise NodeToolError(f"{name} not found on PATH; this test needs Node.js and npm")
    return found


def run(command: list[str], *, cwd: Path, timeout: float, stdin: str | None = None) -> str:
    """Run ``command``; its stdout, or :class:`NodeToolError` with its output on failure."""
    shown = " ".join(command)
    try:
        done = subprocess.run(
            command, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        raise NodeToolError(f"`{shown}` (in {cwd}) took over {timeout} s") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-4000:]
        raise NodeToolError(
            f"`{shown}` (in {cwd}) failed with exit code {done.returncode}:\n{output}"
        )
    return done.stdout


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
