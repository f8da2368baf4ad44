"""Loading supergraphs: clear errors, join metadata, and the API schema clients see."""

import pytest
from graphql import print_schema
from inline_snapshot import snapshot

from router.supergraph import SupergraphError, load_supergraph
from tests.router.planning.plans import FIXTURES, fixture


def test_a_syntax_error_names_the_line_and_column() -> None:
    with pytest.raises(SupergraphError, match=r"does not parse: .*\(at line 2, column 10\)"):
        load_supergraph("type Query {\n  field: }\n")


def test_a_schema_without_the_join_spec_is_not_a_supergraph() -> None:
    with pytest.raises(SupergraphError, match="not a supergraph"):
        load_supergraph("type Query { hello: String }")


def test_an_invalid_schema_is_reported() -> None:
    broken = (FIXTURES / "override.graphql").read_text().replace("price: Int!", "price: Money!")
    with pytest.raises(SupergraphError, match="does not validate: Unknown type 'Money'"):
        load_supergraph(broken)


def test_subgraphs_and_their_routing_urls() -> None:
    graphs = fixture("entities").graphs
    assert {g.name: g.url for g in graphs.values()} == {
        "products": "http://products.local/graphql",
        "reviews": "http://reviews.local/graphql",
        "users": "http://users.local/graphql",
    }


def test_join_metadata_for_keys_requires_and_overrides() -> None:
    product = fixture("requires_provides").types["Product"]
    assert [k.fields for k in product.keys("CATALOG")] == ["id"]
    assert product.fields["shippingEstimate"].graphs["INVENTORY"].requires == (
        'weight price(currency: "EUR")'
    )
    assert product.fields["weight"].graphs["INVENTORY"].external
    stock = fixture("override").types["Product"].fields["stock"]
    assert stock.graphs["MODERN"].override == "legacy"
    assert stock.graphs["MODERN"].override_label == "new-stock"


def test_interface_objects_and_fields_they_add() -> None:
    supergraph = fixture("interface_object")
    assert supergraph.types["Account"].graphs["BILLING"].is_interface_object
    assert supergraph.types["Customer"].fields["balance"].from_interface_object


def test_federation_1_supergraphs_load_with_their_owners() -> None:
    supergraph = fixture("fed1")
    assert supergraph.federation_version == 1
    assert supergraph.types["User"].owner == "ACCOUNTS"


def test_the_api_schema_has_no_join_link_or_inaccessible_elements() -> None:
    assert print_schema(fixture("entities").api_schema) == snapshot("""\
type Query {
  products(first: Int = 5): [Product!]!
  product(id: ID!): Product
  me: User
}

type Mutation {
  createProduct(name: String!): Product!
  addReview(productId: ID!, body: String!): Review!
}

type Product {
  id: ID!
  sku: String!
  name: String!
  reviews: [Review!]!
}

type Review {
  body: String!
  author: User!
}

type User {
  id: ID!
  name: String!
}\
""")
