"""Apollo's composition and gateway as the reference for our composer.

The pinned npm packages are installed once into ``~/.cache/shopgraph/apollo-reference/<version>``
and driven by two small Node scripts beside this module: ``reference_compose.mjs`` composes a
batch of cases in one process (starting Node and loading the packages is most of the cost) and
``reference_gateway.mjs`` loads a supergraph in ``@apollo/gateway`` and checks it as Apollo checks
supergraphs for Apollo Router.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schema.composition import SubgraphInput

APOLLO_VERSION = "2.14.4"
PACKAGES = {
    "@apollo/composition": APOLLO_VERSION,
    "@apollo/gateway": APOLLO_VERSION,
    # Serves the gateway over HTTP for the differential fuzzer (tests/differential).
    "@apollo/server": "5.5.1",
    "graphql": "16.15.0",
}
HERE = Path(__file__).resolve().parent
COMPOSE_SCRIPT = HERE / "reference_compose.mjs"
GATEWAY_SCRIPT = HERE / "reference_gateway.mjs"
INSTALL_TIMEOUT_SECONDS = 600
RUN_TIMEOUT_SECONDS = 300


class ReferenceToolError(RuntimeError):
    """The reference could not be installed or run (not: the reference rejected a schema)."""


@dataclass(frozen=True)
class ReferenceResult:
    supergraph_sdl: str | None
    errors: list[tuple[str, str]]
    """``(code, message)`` for each composition error."""
    hints: list[tuple[str, str]] = field(default_factory=list)
    """``(code, message)`` for each composition hint."""

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.errors}

    @property
    def hint_codes(self) -> set[str]:
        return {code for code, _ in self.hints}


def reference_dir() -> Path:
    """Where the pinned packages are installed (under ``$XDG_CACHE_HOME``, or ``~/.cache``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "shopgraph" / "apollo-reference" / APOLLO_VERSION


def install_reference() -> Path:
    """Install the pinned packages unless already there; return the directory holding them."""
    directory = reference_dir()
    directory.mkdir(parents=True, exist_ok=True)
    manifest = json.dumps(
        {"name": "shopgraph-apollo-reference", "private": True, "dependencies": PACKAGES},
        indent=2,
    )
    stamp = directory / "node_modules" / ".shopgraph-installed"
    with _exclusive(directory / ".install.lock"):
        if stamp.exists() and stamp.read_text() == manifest:
            return directory
        (directory / "package.json").write_text(manifest + "\n")
        command = [_program("npm"), "install", "--no-audit", "--no-fund", "--loglevel=error"]
        _run(command, cwd=directory, timeout=INSTALL_TIMEOUT_SECONDS)
        stamp.write_text(manifest)
    return directory


def reference_compose(subgraphs: Sequence[SubgraphInput]) -> ReferenceResult:
    """Compose ``subgraphs`` with Apollo's ``composeServices``."""
    return reference_compose_all([subgraphs])[0]


def reference_compose_all(cases: Sequence[Sequence[SubgraphInput]]) -> list[ReferenceResult]:
    """Compose each case in one Node process; results in the order of ``cases``.

    Raises :class:`ReferenceToolError` if Node fails or composition throws on a case.
    """
    payload = [
        [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs] for subgraphs in cases
    ]
    answers = _node(COMPOSE_SCRIPT, payload)
    results = []
    for index, answer in enumerate(answers):
        if answer.get("crash"):
            raise ReferenceToolError(f"composeServices threw on case {index}: {answer['crash']}")
        errors = [(str(e["code"]), str(e["message"])) for e in answer["errors"]]
        hints = [(str(h["code"]), str(h["message"])) for h in answer.get("hints", [])]
        results.append(ReferenceResult(answer["supergraphSdl"], errors, hints))
    return results


def gateway_loads(supergraph_sdl: str) -> str | None:
    """Load ``supergraph_sdl`` in ``@apollo/gateway``: None when it loads, else its error."""
    error = _node(GATEWAY_SCRIPT, {"supergraphSdl": supergraph_sdl})["error"]
    return None if error is None else str(error)


def router_supergraph_error(supergraph_sdl: str) -> str | None:
    """Check ``supergraph_sdl`` as Apollo checks a supergraph for Apollo Router (its features,
    API schema and subgraphs): None when it passes, else the error."""
    error = _node(GATEWAY_SCRIPT, {"supergraphSdl": supergraph_sdl})["routerError"]
    return None if error is None else str(error)


def _node(script: Path, payload: Any) -> Any:
    directory = install_reference()
    command = [_program("node"), str(script), str(directory)]
    output = _run(command, cwd=directory, stdin=json.dumps(payload), timeout=RUN_TIMEOUT_SECONDS)
    try:
        return json.loads(output)
    except json.JSONDecodeError as error:
        raise ReferenceToolError(
            f"`{' '.join(command)}` printed no JSON ({error}):\n{output[-4000:]}"
        ) from error


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ReferenceToolError(f"{name} not found on PATH; the reference needs Node.js and npm")
    return found


def _run(command: list[str], *, cwd: Path, timeout: float, stdin: str | None = None) -> str:
    shown = " ".join(command)
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ReferenceToolError(f"`{shown}` (in {cwd}) took over {timeout} s") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-4000:]
        raise ReferenceToolError(
            f"`{shown}` (in {cwd}) failed with exit code {done.returncode}:\n{output}"
        )
    return done.stdout


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path``: one installer at a time across processes."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
