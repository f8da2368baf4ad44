"""@shareable fields and value types: any subgraph that has them may answer."""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_a_shareable_root_field_is_answered_by_one_subgraph_when_it_can() -> None:
    assert plan("shareable", "{ product { id name } }") == snapshot("""\
QueryPlan {
  Fetch(service: "names") {
    query {product {id name}}
  }
}\
""")


def test_a_value_type_split_across_subgraphs_is_fetched_from_each_in_parallel() -> None:
    assert plan("shareable", "{ product { id name price } }") == snapshot("""\
QueryPlan {
  Parallel {
    Fetch(service: "names") {
      query {product {id name}}
    }
    Fetch(service: "prices") {
      query {product {price}}
    }
  }
}\
""")


def test_a_path_fetched_again_from_another_root_keeps_the_conditions_on_the_way() -> None:
    operation = """
      query ($c9: Boolean!) {
        catalog { ... on Catalog @include(if: $c9) { sections { products { variants { color } } banner { colors } } } }
      }
    """
    assert plan("shareable_lists", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Parallel {
      Fetch(service: "b") {
        query($c9: Boolean!) {catalog {... @include(if: $c9) {sections {banner {colors}}}}}
      }
      Fetch(service: "a") {
        query($c9: Boolean!) {... @include(if: $c9) {catalog {sections {products {__typename id}}}}}
      }
    }
    Condition(if: $c9) {
      Flatten(path: "catalog.sections.@.products.@") {
        Fetch(service: "c") {
          requires {... on Product {__typename id}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {variants {color}}} }
        }
      }
    }
  }
}\
""")


def test_conditions_met_on_the_way_down_nest_one_fragment_each() -> None:
    operation = """
      query ($c5: Boolean!, $c6: Boolean!) {
        catalog { sections { ... on Section @skip(if: $c6) { ... @skip(if: $c5) { products { name } banner { __typename } } } } }
      }
    """
    assert plan("shareable_lists", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Parallel {
      Fetch(service: "a") {
        query($c5: Boolean!, $c6: Boolean!) {catalog {sections {... @skip(if: $c6) {... @skip(if: $c5) {products {__typename id}}}}}}
      }
      Fetch(service: "b") {
        query($c5: Boolean!, $c6: Boolean!) {... @skip(if: $c6) {... @skip(if: $c5) {catalog {sections {banner {__typename}}}}}}
      }
    }
    Condition(if: $c6) {
    } else {
      Condition(if: $c5) {
      } else {
        Flatten(path: "catalog.sections.@.products.@") {
          Fetch(service: "c") {
            requires {... on Product {__typename id}}
            query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {name}} }
          }
        }
      }
    }
  }
}\
""")
