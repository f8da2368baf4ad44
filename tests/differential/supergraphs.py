"""The fuzzer's supergraphs: subgraph sets written for the tests, composed by Apollo.

A fixture is a folder of ``<subgraph>.graphql`` files: a case of the composition corpus
(``tests/fixtures/composition/<case>/``) that composes, or one of the fuzzer's own
(``tests/differential/fixtures/<name>/``). Each is composed with Apollo's composition
(``tests/schema/reference.py``), so that our router and ``@apollo/gateway`` serve the same
supergraph; subgraph URLs in it are placeholders, the runner maps subgraph names to the
generic subgraph server's URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schema.composition import SubgraphInput
from tests.schema.reference import reference_compose_all

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = REPO / "tests" / "fixtures" / "composition"
OWN = HERE / "fixtures"

CORPUS_CASES = (
    "01-entity-single-key",
    "02-entity-multiple-keys",
    "03-entity-compound-key",
    "04-entity-nested-key",
    "06-shareable-value-type",
    "08-requires-external",
    "09-provides",
    "10-override",
    "14-interface-object",
    "15-interfaces-across-subgraphs",
    "20-union-merge",
    "27-argument-merge",
    "29-custom-root-type-names",
)
"""Corpus cases that compose and that ``@apollo/gateway`` serves (the authorization and
demand-control cases it refuses to load are left out)."""


@dataclass(frozen=True)
class Fixture:
    name: str
    subgraphs: tuple[SubgraphInput, ...]
    supergraph_sdl: str


class FixtureError(RuntimeError):
    """A fixture that does not compose."""


def fixture_directories() -> dict[str, Path]:
    own = {p.name: p for p in sorted(OWN.iterdir()) if p.is_dir()} if OWN.is_dir() else {}
    return {**{name: CORPUS / name for name in CORPUS_CASES}, **own}


def load_fixtures(names: list[str] | None = None) -> list[Fixture]:
    """Compose the fixtures named (all when None) in one run of Apollo's composition."""
    directories = fixture_directories()
    chosen = names or list(directories)
    unknown = [name for name in chosen if name not in directories]
    if unknown:
        raise FixtureError(f"no fixture {unknown}; known: {sorted(directories)}")
    subgraph_sets = [_subgraphs(directories[name]) for name in chosen]
    results = reference_compose_all(subgraph_sets)
    fixtures = []
    for name, subgraphs, result in zip(chosen, subgraph_sets, results, strict=True):
        if result.supergraph_sdl is None:
            errors = "\n".join(f"  [{code}] {message}" for code, message in result.errors)
            raise FixtureError(f"fixture {name} does not compose:\n{errors}")
        fixtures.append(Fixture(name, subgraphs, result.supergraph_sdl))
    return fixtures


def _subgraphs(directory: Path) -> tuple[SubgraphInput, ...]:
    return tuple(
        SubgraphInput(name=p.stem, url=f"http://{p.stem}.example/graphql", sdl=p.read_text())
        for p in sorted(directory.glob("*.graphql"))
    )
