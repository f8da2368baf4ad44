"""@requires (with arguments, nested), @provides and @external."""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_requires_fetches_its_inputs_first() -> None:
    assert plan("requires_provides", "{ products { shippingEstimate } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {products {__typename id weight _sg_price_6deb6b1e:price(currency: "EUR")}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "inventory") {
        requires {... on Product {__typename id weight _sg_price_6deb6b1e:price(currency: "EUR")}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {shippingEstimate}} }
      }
    }
  }
}\
""")


def test_nested_requires() -> None:
    assert plan("requires_provides", "{ products { packaging } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {products {__typename id dimensions {width height}}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "inventory") {
        requires {... on Product {__typename id dimensions {width height}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {packaging}} }
      }
    }
  }
}\
""")


def test_requires_inputs_with_arguments_never_collide_with_client_fields() -> None:
    operation = '{ products { price(currency: "USD") shippingEstimate } }'
    assert plan("requires_provides", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {products {price(currency: "USD") __typename id weight _sg_price_6deb6b1e:price(currency: "EUR")}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "inventory") {
        requires {... on Product {__typename id weight _sg_price_6deb6b1e:price(currency: "EUR")}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {shippingEstimate}} }
      }
    }
  }
}\
""")


def test_provides_lets_a_subgraph_answer_an_external_field() -> None:
    assert plan("requires_provides", "{ topReviews { product { name } } }") == snapshot("""\
QueryPlan {
  Fetch(service: "reviews") {
    query {topReviews {product {name}}}
  }
}\
""")


def test_a_field_outside_provides_still_needs_the_owner() -> None:
    assert plan("requires_provides", "{ topReviews { product { name weight } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "reviews") {
      query {topReviews {product {name __typename id}}}
    }
    Flatten(path: "topReviews.@.product") {
      Fetch(service: "catalog") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {weight}} }
      }
    }
  }
}\
""")


def test_external_fields_are_never_fetched_from_the_subgraph_that_declares_them() -> None:
    assert plan("requires_provides", "{ products { weight inStock } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {products {weight __typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "inventory") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {inStock}} }
      }
    }
  }
}\
""")


def test_a_required_field_with_default_arguments_never_merges_with_the_clients() -> None:
    # shippingEstimateEUR requires `weight` (unit defaults to GRAM); the client asks for
    # weight(unit: KILOGRAM) in the same fetch: the required one gets an alias of its own.
    operation = """
      query ($upc: String!) { product(upc: $upc) { shippingEstimateEUR weight(unit: KILOGRAM) } }
    """
    assert plan("requires_arguments", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query($upc: String!) {product(upc: $upc) {weight(unit: KILOGRAM) __typename upc _sg_price_6947e5e1:price(currency: EUR) _sg_weight_37a6046f:weight}}
    }
    Flatten(path: "product") {
      Fetch(service: "shipping") {
        requires {... on Product {__typename upc _sg_price_6947e5e1:price(currency: EUR) _sg_weight_37a6046f:weight}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {shippingEstimateEUR}} }
      }
    }
  }
}\
""")


def test_a_fragment_whose_fields_go_elsewhere_declares_no_variable_it_does_not_use() -> None:
    operation = """
      query ($upc: String!, $skip: Boolean!) {
        product(upc: $upc) { weight ... on Product @skip(if: $skip) { shippingEstimateEUR } }
      }
    """
    assert plan("requires_arguments", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query($skip: Boolean!, $upc: String!) {product(upc: $upc) {weight ... @skip(if: $skip) {__typename upc _sg_price_6947e5e1:price(currency: EUR) _sg_weight_37a6046f:weight}}}
    }
    Condition(if: $skip) {
    } else {
      Flatten(path: "product") {
        Fetch(service: "shipping") {
          requires {... on Product {__typename upc _sg_price_6947e5e1:price(currency: EUR) _sg_weight_37a6046f:weight}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {shippingEstimateEUR}} }
        }
      }
    }
  }
}\
""")


def test_the_inputs_of_a_skipped_requires_field_are_fetched_under_its_condition() -> None:
    operation = """
      query ($upc: String!, $skip: Boolean!) {
        product(upc: $upc) { weight shippingEstimateEUR @skip(if: $skip) }
      }
    """
    assert plan("requires_arguments", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query($skip: Boolean!, $upc: String!) {product(upc: $upc) {weight __typename upc ... @skip(if: $skip) {_sg_price_6947e5e1:price(currency: EUR) _sg_weight_37a6046f:weight}}}
    }
    Condition(if: $skip) {
    } else {
      Flatten(path: "product") {
        Fetch(service: "shipping") {
          requires {... on Product {__typename upc _sg_price_6947e5e1:price(currency: EUR) _sg_weight_37a6046f:weight}}
          query($representations: [_Any!]!, $skip: Boolean!) { _entities(representations: $representations) {... on Product {shippingEstimateEUR @skip(if: $skip)}} }
        }
      }
    }
  }
}\
""")
