"""Selections that literal @skip/@include leave empty.

CollectFields drops a skipped field, and a composite field whose every sub-field is skipped
still answers: an empty object, null, or a list of them. The planner fetches such a field with
``__typename`` alone (a subgraph refuses a composite field with no selection), and fragments
left empty vanish from subgraph operations.
"""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_a_composite_field_with_every_sub_field_skipped_is_fetched_with_typename() -> None:
    assert plan("entities", "{ products { id @include(if: false) } }") == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query {products {__typename}}
  }
}\
""")


def test_a_skipped_sub_field_under_an_entity_jump() -> None:
    operation = "{ products { name reviews { body @skip(if: true) } } }"
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query {products {name __typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {__typename}}} }
      }
    }
  }
}\
""")


def test_a_fragment_spread_whose_fields_are_all_skipped_leaves_the_field_empty() -> None:
    operation = """
      { product(id: "1") { reviews { ...Body } } }
      fragment Body on Review { body @skip(if: true) }
    """
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query {product(id: "1") {__typename id}}
    }
    Flatten(path: "product") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {__typename}}} }
      }
    }
  }
}\
""")


def test_an_empty_inline_fragment_disappears_and_its_siblings_stay() -> None:
    operation = '{ product(id: "1") { name ... on Product { id @include(if: false) } } }'
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query {product(id: "1") {name}}
  }
}\
""")


def test_an_abstract_field_whose_fragments_are_all_empty() -> None:
    operation = """
      { search(query: "a") { ... on Product { name @skip(if: true) } ... on Article { title @include(if: false) } } }
    """
    assert plan("abstract", operation) == snapshot("""\
QueryPlan {
  Fetch(service: "catalog") {
    query {search(query: "a") {__typename}}
  }
}\
""")


def test_an_interface_field_with_a_skipped_implementation_fragment() -> None:
    operation = """
      { node(id: "1") { id ... on Product { video @skip(if: true) } } }
    """
    assert plan("abstract", operation) == snapshot("""\
QueryPlan {
  Fetch(service: "catalog") {
    query {node(id: "1") {__typename ... on Product {id} ... on Article {id}}}
  }
}\
""")


def test_an_interface_object_field_left_empty() -> None:
    operation = "{ accounts { id @skip(if: true) } }"
    assert plan("interface_object", operation) == snapshot("""\
QueryPlan {
  Fetch(service: "accounts") {
    query {accounts {__typename}}
  }
}\
""")


def test_a_skipped_variable_condition_is_left_to_the_subgraph() -> None:
    operation = "query ($no: Boolean!) { products { id @include(if: $no) } }"
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query($no: Boolean!) {products {id @include(if: $no)}}
  }
}\
""")


def test_every_root_field_skipped_needs_no_fetch() -> None:
    assert plan("entities", "{ products @skip(if: true) { id } }") == snapshot("QueryPlan {}")
