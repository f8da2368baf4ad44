"""Static and actual cost from @cost and @listSize (tests/fixtures/supergraphs/cost.graphql)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from starlette.testclient import TestClient

from router.http.app import create_app
from router.http.config import DemandControlSettings, RouterConfig
from router.operation.cost import CostError, CostModel
from router.supergraph import Supergraph, load_supergraph
from router.supergraph.metadata import CostDirectives, ListSize
from tests.router.planning.plans import FIXTURES, fixture

SUPERGRAPH = fixture("cost")
OURS = Path(__file__).resolve().parents[3] / "schema" / "supergraph.graphql"


def fixture_supergraph() -> Supergraph:
    return load_supergraph(OURS.read_text())


MODEL = CostModel(SUPERGRAPH.api_schema, SUPERGRAPH.cost, default_list_size=10)


def parts(source: str) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    document = parse(source)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return operation, fragments


def estimate(source: str, **variables: Any) -> int:
    operation, fragments = parts(source)
    return MODEL.estimate(operation, fragments, variables)


@pytest.mark.parametrize(
    ("source", "variables", "cost"),
    [
        # 5 products (the slicing argument's default) of weight 1, leaves free.
        ("{ products { name } }", {}, 5),
        # 50 * (product 1 + 3 reviews (assumedSize) * (review 1 + author: User's @cost 5)).
        ("{ products(first: 50) { reviews { body author { name } } } }", {}, 950),
        # The slicing argument from a variable.
        ("query ($n: Int) { products(first: $n) { name } }", {"n": 7}, 7),
        # search: argument @cost 3 + field @cost 20 + 10 hits (sizedFields) * product 1;
        # tags is a list of scalars: free however long.
        ('{ search(text: "lamp", first: 10) { total hits { name tags } } }', {}, 33),
        # A fragment costs what its fields cost where it is spread.
        ("{ products { ...F } } fragment F on Product { reviews { author { name } } }", {}, 95),
        # A mutation adds 10 to its fields.
        ('mutation { createProduct(name: "x") { name } }', {}, 11),
    ],
)
def test_static_estimates(source: str, variables: dict[str, Any], cost: int) -> None:
    assert estimate(source, **variables) == cost


def test_a_fragment_bomb_is_costed_without_expanding_it() -> None:
    fragments = "fragment F0 on Product { reviews { author { name } } }\n" + "\n".join(
        f"fragment F{i} on Product {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 60)
    )
    cost = estimate("{ products { ...F59 } }\n" + fragments)
    assert cost == 10**18  # capped: 5 * (1 + 2^59 * 18) is past the cap


def test_the_actual_cost_counts_what_came_back() -> None:
    operation, fragments = parts("{ products(first: 50) { reviews { author { name } } } }")
    data = {"products": [
        {"reviews": [{"author": {"name": "Ada"}}]},
        {"reviews": [{"author": None}]},
    ]}  # fmt: skip
    # Two products (1 each), two reviews (1 each), one author (5).
    assert MODEL.actual(operation, fragments, data) == 9


def router(**settings: Any) -> TestClient:
    config = RouterConfig(demand_control=DemandControlSettings(**settings))
    return TestClient(create_app(config, supergraph_path=FIXTURES / "cost.graphql"))


def test_an_operation_over_the_maximum_is_refused_before_any_subgraph_call() -> None:
    with router(max_cost=100) as client:
        response = client.post(
            "/graphql",
            json={"query": "{ products(first: 50) { reviews { body author { name } } } }"},
            headers={"accept": "application/graphql-response+json"},
        )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert "950" in error["message"]


def test_measure_mode_refuses_nothing_and_the_cost_is_in_extensions_on_request() -> None:
    with router(max_cost=1, mode="measure") as client:
        response = client.post(
            "/graphql", json={"query": "{ __typename }", "extensions": {"cost": True}}
        )
        plain = client.post("/graphql", json={"query": "{ __typename }"})
        metrics = client.get("/metrics").text
    assert response.json() == {
        "data": {"__typename": "Query"},
        "extensions": {"cost": {"estimated": 0, "actual": 0, "max": 1}},
    }
    assert "extensions" not in plain.json()
    assert 'shopgraph_router_operation_cost_count{kind="estimated"}' in metrics


def test_a_field_skipped_by_a_literal_costs_nothing() -> None:
    assert estimate('{ products { name } product(id: "p1") @skip(if: true) { name } }') == 5
    assert estimate('{ products { name } product(id: "p1") @include(if: false) { name } }') == 5
    assert estimate('{ products { name } product(id: "p1") { name } }') == 6


def test_an_input_object_argument_costs_one_plus_its_fields() -> None:
    ours = fixture_supergraph()
    model = CostModel(ours.api_schema, ours.cost)
    plain = model.estimate(*parts("{ products { totalCount } }"), {})
    filtered = model.estimate(
        *parts('{ products(filter: {categoryId: "c-1"}) { totalCount } }'), {}
    )
    assert filtered - plain == 1


def test_exactly_one_slicing_argument_is_required_unless_the_field_says_otherwise() -> None:
    supergraph = fixture("cost")
    latest = dict(supergraph.cost.list_sizes)
    latest["Query.products"] = ListSize(slicing_arguments=("first", "last"))
    model = CostModel(supergraph.api_schema,
                      CostDirectives(supergraph.cost.weights, latest))  # fmt: skip
    operation, fragments = parts("{ products(first: 3) { name } }")
    assert model.estimate(operation, fragments, {}) == 3  # last has no value: one is given
    relaxed = dict(latest)
    relaxed["Query.products"] = ListSize(slicing_arguments=(), assumed_size=4)
    model = CostModel(supergraph.api_schema, CostDirectives(supergraph.cost.weights, relaxed))
    assert model.estimate(*parts("{ products { name } }"), {}) == 4


def test_a_list_field_whose_slicing_arguments_are_all_missing_cannot_be_costed() -> None:
    supergraph = fixture("cost")
    sizes = dict(supergraph.cost.list_sizes)
    sizes["Product.reviews"] = ListSize(slicing_arguments=("limit",))  # reviews has no limit
    model = CostModel(supergraph.api_schema, CostDirectives(supergraph.cost.weights, sizes))
    with pytest.raises(CostError, match="Exactly one slicing argument is required, but found 0"):
        model.estimate(*parts("{ products { reviews { body } } }"), {})
