"""Plan a fixture supergraph's operation and print the plan, for snapshot comparisons."""

from functools import cache
from pathlib import Path

from graphql import parse, validate

from router.planning import plan_operation
from router.planning.plan import format_plan
from router.supergraph import Supergraph, load_supergraph

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "supergraphs"


@cache
def fixture(name: str) -> Supergraph:
    return load_supergraph((FIXTURES / f"{name}.graphql").read_text())


def plan(name: str, operation: str, labels: frozenset[str] = frozenset()) -> str:
    supergraph = fixture(name)
    document = parse(operation)
    errors = validate(supergraph.api_schema, document)
    assert not errors, errors
    return format_plan(plan_operation(supergraph, document, labels=labels))
