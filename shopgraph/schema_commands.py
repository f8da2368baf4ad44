"""``shopgraph compose`` and ``shopgraph schema check``."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from schema.check import api_changes
from schema.composition import CompositionError, compose
from schema.workspace import CONFIG, SUPERGRAPH, from_files, from_running, read_config

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CheckReport:
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def compose_supergraph(
    *, from_running_subgraphs: bool = False, config: Path = CONFIG
) -> tuple[str | None, list[CompositionError]]:
    subgraphs = read_config(config)
    inputs = from_running(subgraphs) if from_running_subgraphs else from_files(subgraphs)
    result = compose(inputs)
    return result.supergraph_sdl, result.errors


def check_schema(*, against: str | None = None, supergraph_path: Path = SUPERGRAPH) -> CheckReport:
    """Composition errors, SDL drift, a stale supergraph, and breaking changes of the API."""
    from subgraphs.sdl import SCHEMAS, SDL_DIR, subgraph_sdl

    report = CheckReport()
    for name in sorted(SCHEMAS):
        path = SDL_DIR / f"{name}.graphql"
        if not path.exists() or path.read_text() != subgraph_sdl(name):
            report.failures.append(f"{path.relative_to(ROOT)} differs from the {name} subgraph's "
                                   "code: run `python -m subgraphs.sdl`")  # fmt: skip
    report.failures += _mobile_manifest_drift()
    composed, errors = compose_supergraph()
    report.failures += [f"composition: {error}" for error in errors]
    if composed is None:
        return report
    current = supergraph_path.read_text() if supergraph_path.exists() else None
    if current != composed:
        report.failures.append(f"{supergraph_path.relative_to(ROOT)} is not what the subgraphs "
                               "compose to: run `shopgraph compose`")  # fmt: skip
    ref = against or _default_ref(supergraph_path)
    previous = _at_revision(ref, supergraph_path)
    if previous is None:
        report.notes.append(f"no supergraph at {ref} in git: breaking changes not checked")
        return report
    changes = api_changes(previous, composed)
    report.failures += [f"breaking change against {ref}: {c}" for c in changes.breaking]
    report.warnings += [f"dangerous change against {ref}: {c}" for c in changes.dangerous]
    return report


def _default_ref(path: Path) -> str:
    """HEAD when the file has uncommitted changes; else the commit before HEAD."""
    at_head = _at_revision("HEAD", path)
    if at_head is not None and path.exists() and path.read_text() != at_head:
        return "HEAD"
    return "HEAD~1"


def _at_revision(ref: str, path: Path) -> str | None:
    relative = path.resolve().relative_to(ROOT)
    result = subprocess.run(
        ["git", "show", f"{ref}:{relative.as_posix()}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.stdout if result.returncode == 0 else None


def _mobile_manifest_drift() -> list[str]:
    from bff_mobile.operations import MANIFEST, manifest_text

    if MANIFEST.exists() and MANIFEST.read_text() == manifest_text():
        return []
    return [f"{MANIFEST.relative_to(ROOT)} differs from the mobile BFF's operations: run "
            "`python -m bff_mobile.operations`"]  # fmt: skip
