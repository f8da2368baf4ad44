"""The compiled data path (``shopgraph_native``) answers byte for byte as the Python one.

Every fixture supergraph of the differential campaign, served by its real subgraph process
(nullable fields that are null, fields that fail, entities a subgraph lacks), gets generated
operations through two routers that differ only in ``data_path``; each answer, with its
errors and its actual cost, must be the same bytes. The Python path is the reference: it is
the one the rest of the suite and the differential campaign against ``@apollo/gateway``
check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import (
    DemandControlSettings,
    LimitSettings,
    RouterConfig,
    SubgraphErrorSettings,
    SubgraphSettings,
)
from router.supergraph import load_supergraph
from router.telemetry.metrics import DATA_PATH_EXECUTIONS, REGISTRY
from tests.differential.gateways import Gateways
from tests.differential.generator import OperationGenerator
from tests.differential.supergraphs import Fixture, fixture_directories, load_fixtures

SEED = 7
OPERATIONS = 40


class _Subgraphs(Gateways):
    """The campaign's subgraph server alone: no @apollo/gateway, no router of its own."""

    def _start_apollo(self) -> None:
        return None

    def _router(self, fixture: str) -> object:
        raise NotImplementedError

    def __enter__(self) -> _Subgraphs:
        try:
            self._start_subgraphs()
        except BaseException:
            self.close()
            raise
        return self


@pytest.fixture(scope="module")
def fixtures() -> dict[str, Fixture]:
    return {fixture.name: fixture for fixture in load_fixtures()}


@pytest.fixture(scope="module")
def served(fixtures: dict[str, Fixture]) -> Iterator[_Subgraphs]:
    with _Subgraphs(list(fixtures.values()), SEED) as subgraphs:
        yield subgraphs


def _router(
    served: _Subgraphs, fixture: Fixture, data_path: Literal["native", "python"]
) -> TestClient:
    config = RouterConfig(
        subgraphs={
            name: SubgraphSettings(url=url) for name, url in served.urls(fixture.name).items()
        },
        demand_control=DemandControlSettings(mode="measure", include_in_response=True),
        limits=LimitSettings(cpu_budget_ms=0),
        subgraph_errors=SubgraphErrorSettings(include_messages=True),
        hot_reload=False,
        dedupe_inbound_requests=False,
        data_path=data_path,
    )
    return TestClient(create_app(config, supergraph=load_supergraph(fixture.supergraph_sdl)))


def _executions(path: str) -> float:
    sample = REGISTRY.get_sample_value(f"{DATA_PATH_EXECUTIONS._name}_total", {"path": path})
    return sample or 0.0


@pytest.mark.parametrize("name", sorted(fixture_directories()))
def test_native_and_python_data_paths_answer_alike(
    name: str, fixtures: dict[str, Fixture], served: _Subgraphs
) -> None:
    fixture = fixtures[name]
    generator = OperationGenerator(load_supergraph(fixture.supergraph_sdl).api_schema)
    native_before = _executions("native")
    with _router(served, fixture, "native") as native, _router(served, fixture, "python") as python:
        for index in range(OPERATIONS):
            operation = generator.generate(SEED * 1000 + index)
            body = {"query": operation.text(), "variables": operation.values}
            expected = python.post("/graphql", json=body)
            answered = native.post("/graphql", json=body)
            assert answered.status_code == expected.status_code, operation.text()
            assert answered.content == expected.content, (
                f"{operation.text()}\nvariables: {operation.values}\n"
                f"python: {expected.text}\nnative: {answered.text}"
            )
    # The comparison means something only if the native path ran (not the fallback).
    assert _executions("native") - native_before >= OPERATIONS // 2
