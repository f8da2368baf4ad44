"""The checked-in supergraph loads in our router and in Apollo's gateway."""

from pathlib import Path

from graphql import OperationDefinitionNode, parse

from router.operation.cost import CostModel
from router.supergraph import load_supergraph
from tests.schema.corpus import REPO
from tests.schema.reference import gateway_loads

SUPERGRAPH = REPO / "schema" / "supergraph.graphql"


def supergraph_text(path: Path = SUPERGRAPH) -> str:
    assert path.is_file(), f"{path} is missing: `shopgraph compose` writes it"
    return path.read_text()


def test_the_supergraph_is_checked_in() -> None:
    assert supergraph_text().strip()


def test_the_router_loads_the_supergraph() -> None:
    supergraph = load_supergraph(supergraph_text())
    assert {graph.name for graph in supergraph.graphs.values()} == {
        "orders",
        "products",
        "search",
        "users",
    }


def test_apollo_gateway_loads_the_supergraph() -> None:
    assert gateway_loads(supergraph_text()) is None


def static_cost(operation: str) -> int:
    supergraph = load_supergraph(supergraph_text())
    model = CostModel(supergraph.api_schema, supergraph.cost, default_list_size=10)
    [definition] = parse(operation).definitions
    assert isinstance(definition, OperationDefinitionNode)
    return model.estimate(definition, {}, {})


def test_a_search_page_and_an_order_cost_more_than_reading_a_product() -> None:
    product = static_cost('{ product(id: "p-1") { name price { amount } } }')
    search = static_cost('{ search(query: "lamp") { total hits { product { name } } } }')
    order = static_cost(
        'mutation { placeOrder(input: {idempotencyKey: "k-123456", shipping: {recipient: "A",'
        ' line1: "B", city: "C", postalCode: "D", country: "NO"}, payment: {cardNumber: "4"}})'
        " { id } }"
    )
    browse = static_cost("{ products { edges { node { name } } } }")
    assert product == 2  # the product and its price: one entity lookup
    assert search > browse > product
    assert order > search
