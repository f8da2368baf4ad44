"""The checked-in supergraph loads in our router and passes Apollo's checks; what it costs."""

import re
from pathlib import Path

from graphql import (
    REMOVE,
    DirectiveDefinitionNode,
    DirectiveNode,
    OperationDefinitionNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from router.operation.cost import CostModel
from router.supergraph import load_supergraph
from tests.schema.corpus import REPO
from tests.schema.reference import gateway_loads, router_supergraph_error

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


def test_apollo_checks_the_supergraph_as_it_does_for_its_router() -> None:
    assert router_supergraph_error(supergraph_text()) is None


def test_apollo_gateway_loads_the_supergraph_but_for_the_authorization_it_cannot_enforce() -> None:
    """@apollo/gateway does not implement the authorization specs, so it refuses a supergraph
    that links them rather than serve it unguarded; without them it loads the rest."""
    text = supergraph_text()
    refused = gateway_loads(text)
    if refused is not None:
        unsupported = re.findall(r"feature (\S+) is for: SECURITY but is unsupported", refused)
        assert unsupported, refused
        assert set(unsupported) <= {f"https://specs.apollo.dev/{s}/v0.1" for s in AUTHORIZATION}
    assert gateway_loads(without_authorization(text)) is None


AUTHORIZATION = ("authenticated", "requiresScopes", "policy")


def without_authorization(supergraph_sdl: str) -> str:
    """``supergraph_sdl`` without the authorization specs: links, definitions, applications."""

    class Strip(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: object) -> object:
            if node.name.value in AUTHORIZATION:
                return REMOVE
            urls = [a.value for a in node.arguments if a.name.value == "url"]
            if any(isinstance(u, StringValueNode) and _is_authorization(u.value) for u in urls):
                return REMOVE
            return None

        def enter_directive_definition(self, node: DirectiveDefinitionNode, *_: object) -> object:
            return REMOVE if node.name.value in AUTHORIZATION else None

        def enter_scalar_type_definition(
            self, node: ScalarTypeDefinitionNode, *_: object
        ) -> object:
            return REMOVE if node.name.value.split("__")[0] in AUTHORIZATION else None

    return print_ast(visit(parse(supergraph_sdl), Strip()))


def _is_authorization(url: str) -> bool:
    return any(url.startswith(f"https://specs.apollo.dev/{spec}/") for spec in AUTHORIZATION)


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
