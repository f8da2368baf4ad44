"""Apollo's composition and gateway as the reference for our composer.

The pinned npm packages are installed once into ``~/.cache/shopgraph/apollo-reference/<version>``
and driven by two small Node scripts beside this module: ``reference_compose.mjs`` composes a
batch of cases in one process (starting Node and loading the packages is most of the cost) and
``reference_gateway.mjs`` loads a supergraph in ``@apollo/gateway`` and checks it as Apollo checks
supergraphs for Apollo Router.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schema.composition import SubgraphInput
from tests.support.node_packages import NodeToolError, cache_dir, install_packages, run_node

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
CACHE_NAME = f"apollo-reference/{APOLLO_VERSION}"
RUN_TIMEOUT_SECONDS = 300


ReferenceToolError = NodeToolError
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
    return cache_dir(CACHE_NAME)


def install_reference() -> Path:
    """Install the pinned packages unless already there; return the directory holding them."""
    return install_packages(CACHE_NAME, PACKAGES)


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
    return run_node(script, install_reference(), payload, timeout=RUN_TIMEOUT_SECONDS)
