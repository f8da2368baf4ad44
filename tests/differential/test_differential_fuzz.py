"""A fixed-seed differential run: generated operations through our router and
``@apollo/gateway`` 2.14.4 on every fixture supergraph, served by real subgraph processes.

A fixture fails on any difference that no adjudication claims (``adjudications.yaml``). One
whose only differences are known router bugs (adjudications with ``wrong: router``) is an
expected failure naming them, until they are fixed. The longer run is
``python -m tests.differential --operations 300``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from router.supergraph import load_supergraph
from tests.differential.adjudications import Adjudicator
from tests.differential.gateways import Gateways
from tests.differential.generator import OperationGenerator
from tests.differential.runner import Runner
from tests.differential.supergraphs import Fixture, fixture_directories, load_fixtures

SEED = 1
OPERATIONS = 20
"""Per fixture: about 35 s for the whole run on two cores."""


@pytest.fixture(scope="module")
def fixtures() -> dict[str, Fixture]:
    return {fixture.name: fixture for fixture in load_fixtures()}


@pytest.fixture(scope="module")
def runner(fixtures: dict[str, Fixture]) -> Iterator[Runner]:
    with Gateways(list(fixtures.values()), SEED) as gateways:
        runner = Runner(gateways, Adjudicator.load())
        yield runner
        runner.close()


@pytest.mark.parametrize("name", sorted(fixture_directories()))
def test_router_answers_as_apollo_gateway(
    name: str, fixtures: dict[str, Fixture], runner: Runner
) -> None:
    report = runner.run(fixtures[name], OPERATIONS, SEED, minimize_at_most=1)
    assert report.load_error is None, report.load_error
    assert report.operations == OPERATIONS
    assert not report.unadjudicated, "\n\n".join(d.describe() for d in report.unadjudicated)
    if report.router_bugs:
        shown = "\n\n".join(d.describe() for d in report.differences if d.router_bug)
        pytest.xfail(f"known router bugs: {', '.join(sorted(report.router_bugs))}\n{shown}")


@pytest.mark.parametrize("name", sorted(fixture_directories()))
def test_generated_operations_validate(name: str, fixtures: dict[str, Fixture]) -> None:
    """The generator's own check: every operation validates against the API schema (it
    raises otherwise), over other seeds than the run's."""
    generator = OperationGenerator(load_supergraph(fixtures[name].supergraph_sdl).api_schema)
    texts = {generator.generate(seed).text() for seed in range(25)}
    assert len(texts) == 25
