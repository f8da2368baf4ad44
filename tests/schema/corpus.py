"""The composition corpus: ``tests/fixtures/composition/<NN-short-name>/``.

A case is a directory of subgraph SDL files, ``<subgraph>.graphql``, and a ``case.yaml``::

    description: what the case shows
    expect: composes                  # or: expect: {errors: [FIELD_TYPE_MISMATCH]}
    subgraphs_from: schema/subgraphs  # optional: read the subgraphs from there instead

``expect`` records what Apollo's composition reports for the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from schema.composition import SubgraphInput

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "tests" / "fixtures" / "composition"
_KEYS = {"description", "expect", "subgraphs_from"}


class CaseError(ValueError):
    """A corpus case that does not follow the layout above."""


@dataclass(frozen=True)
class Case:
    name: str
    directory: Path
    description: str
    expected_errors: frozenset[str] | None
    """The error codes expected, or None when the case is expected to compose."""
    subgraphs: tuple[SubgraphInput, ...]
    sources: tuple[Path, ...]
    """The SDL file of each subgraph, in the order of ``subgraphs``."""

    @property
    def composes(self) -> bool:
        return self.expected_errors is None


def case_names() -> list[str]:
    return sorted(p.parent.name for p in CORPUS_DIR.glob("*/case.yaml"))


def load_corpus() -> list[Case]:
    return [load_case(name) for name in case_names()]


def load_case(name: str) -> Case:
    directory = CORPUS_DIR / name
    spec_path = directory / "case.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    if not isinstance(spec, dict) or not spec.keys() <= _KEYS or "expect" not in spec:
        raise CaseError(f"{spec_path}: expected a mapping with keys from {sorted(_KEYS)}")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise CaseError(f"{spec_path}: a description is required")
    source_dir = REPO / spec["subgraphs_from"] if "subgraphs_from" in spec else directory
    sources = tuple(sorted(source_dir.glob("*.graphql")))
    if not sources:
        raise CaseError(f"{spec_path}: no subgraph SDL (*.graphql) in {source_dir}")
    subgraphs = tuple(
        SubgraphInput(name=p.stem, url=f"http://{p.stem}.example/graphql", sdl=p.read_text())
        for p in sources
    )
    return Case(
        name=name,
        directory=directory,
        description=" ".join(description.split()),
        expected_errors=_expectation(spec_path, spec["expect"]),
        subgraphs=subgraphs,
        sources=sources,
    )


def _expectation(spec_path: Path, expect: Any) -> frozenset[str] | None:
    if expect == "composes":
        return None
    if isinstance(expect, dict) and set(expect) == {"errors"}:
        codes = expect["errors"]
        if isinstance(codes, list) and codes and all(isinstance(c, str) for c in codes):
            return frozenset(codes)
    raise CaseError(f"{spec_path}: expect is `composes` or `{{errors: [CODE, ...]}}`")
