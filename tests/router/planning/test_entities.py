"""Entity jumps, fragments, aliases, variables, conditions and root-level shapes."""

import pytest
from graphql import parse
from inline_snapshot import snapshot

from router.planning import PlanningError, plan_operation
from tests.router.planning.plans import fixture, plan


def test_one_subgraph_is_one_fetch() -> None:
    assert plan("entities", "{ products { id name } }") == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query {products {id name}}
  }
}\
""")


def test_entity_fields_come_through_flattened_entity_fetches() -> None:
    assert plan("entities", "{ products { name reviews { body author { name } } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query {products {name __typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body author {__typename id}}}} }
      }
    }
    Flatten(path: "products.@.reviews.@.author") {
      Fetch(service: "users") {
        requires {... on User {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on User {name}} }
      }
    }
  }
}\
""")


def test_aliases_and_variables_reach_the_subgraph_operations() -> None:
    operation = """
      query Product($id: ID!) {
        p: product(id: $id) { title: name reviews { text: body } }
      }
    """
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query Product__products__0($id: ID!) {p:product(id: $id) {title:name __typename id}}
    }
    Flatten(path: "p") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {text:body}}} }
      }
    }
  }
}\
""")


def test_named_fragments_are_spread_inline() -> None:
    operation = """
      { products { ...ProductCard } }
      fragment ProductCard on Product { name reviews { ...ReviewLine } }
      fragment ReviewLine on Review { body }
    """
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query {products {name __typename id}}
    }
    Flatten(path: "products.@") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }
      }
    }
  }
}\
""")


def test_independent_root_fields_are_fetched_in_parallel() -> None:
    assert plan("entities", "{ products { id } me { name } }") == snapshot("""\
QueryPlan {
  Parallel {
    Fetch(service: "products") {
      query {products {id}}
    }
    Fetch(service: "users") {
      query {me {name}}
    }
  }
}\
""")


def test_typename_is_planned_and_root_typename_needs_no_fetch() -> None:
    assert plan("entities", "{ __typename products { __typename id } }") == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query {products {__typename id}}
  }
}\
""")


def test_introspection_is_answered_by_the_router() -> None:
    assert plan("entities", "{ __schema { queryType { name } } }") == snapshot("QueryPlan {}")


def test_include_with_a_variable_becomes_a_condition() -> None:
    operation = """
      query ($withReviews: Boolean!) {
        products { name reviews @include(if: $withReviews) { body } }
      }
    """
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      query {products {name __typename id}}
    }
    Condition(if: $withReviews) {
      Flatten(path: "products.@") {
        Fetch(service: "reviews") {
          requires {... on Product {__typename id}}
          query($representations: [_Any!]!, $withReviews: Boolean!) { _entities(representations: $representations) {... on Product {reviews @include(if: $withReviews) {body}}} }
        }
      }
    }
  }
}\
""")


def test_skip_with_a_literal_removes_the_field() -> None:
    assert plan("entities", "{ products { name reviews @skip(if: true) { body } } }") == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query {products {name}}
  }
}\
""")


def test_mutations_run_one_after_another() -> None:
    operation = """
      mutation {
        first: createProduct(name: "a") { id }
        review: addReview(productId: "1", body: "ok") { body }
        second: createProduct(name: "b") { id reviews { body } }
      }
    """
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "products") {
      mutation {first:createProduct(name: "a") {id}}
    }
    Fetch(service: "reviews") {
      mutation {review:addReview(productId: "1", body: "ok") {body}}
    }
    Fetch(service: "products") {
      mutation {second:createProduct(name: "b") {id __typename}}
    }
    Flatten(path: "second") {
      Fetch(service: "reviews") {
        requires {... on Product {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }
      }
    }
  }
}\
""")


def test_an_unknown_operation_name_is_a_planning_error() -> None:
    document = parse("query A { products { id } } query B { me { name } }")
    with pytest.raises(PlanningError, match='Unknown operation named "C"'):
        plan_operation(fixture("entities"), document, "C")
