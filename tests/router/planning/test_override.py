"""@override, with and without progressive override labels."""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_an_overridden_field_comes_from_the_new_subgraph() -> None:
    assert plan("override", "{ products { name price } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "legacy") {
      query {products {name __typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "modern") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {price}} }
      }
    }
  }
}\
""")


def test_a_labelled_override_stays_put_while_its_label_is_off() -> None:
    assert plan("override", "{ products { stock } }") == snapshot("""\
QueryPlan {
  Fetch(service: "legacy") {
    query {products {stock}}
  }
}\
""")


def test_a_labelled_override_moves_when_its_label_is_on() -> None:
    assert plan("override", "{ products { stock } }", frozenset({"new-stock"})) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "legacy") {
      query {products {__typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "modern") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {stock}} }
      }
    }
  }
}\
""")
