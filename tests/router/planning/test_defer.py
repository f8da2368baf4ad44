"""``@defer``: a primary part, and deferred parts that start from the primary's objects (or,
at the root, from nothing), printed as Apollo prints them."""

from graphql import parse, validate
from inline_snapshot import snapshot

from router.planning import plan_operation
from router.planning.plan import format_plan
from router.supergraph.incremental import with_defer
from tests.router.planning.plans import fixture


def plan(name: str, operation: str) -> str:
    supergraph = fixture(name)
    document = parse(operation)
    assert not validate(with_defer(supergraph.api_schema), document)
    return format_plan(plan_operation(supergraph, document))


def test_a_fragment_deferred_at_the_root_is_a_query_of_its_own() -> None:
    assert plan("entities", "{ products { name } ... @defer { me { name } } }") == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {products {name}}:
      Fetch(service: "products") {
        query {products {name}}
      }
    }, [
      Deferred(depends: [], path: "") {
        {me {name}}:
        Fetch(service: "users") {
          query {me {name}}
        }
      },
    ]
  }
}\
""")


def test_a_fragment_deferred_on_an_entity_starts_from_its_key() -> None:
    # The same subgraph could answer `sku` with the primary: deferred, it is an entity fetch.
    operation = '{ product(id: 1) { name ... @defer(label: "more") { sku } } }'
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {product(id: 1) {name}}:
      Fetch(service: "products") {
        query {product(id: 1) {name __typename id}}
      }
    }, [
      Deferred(depends: [0], path: "product", label: "more") {
        {sku}:
        Flatten(path: "product") {
          Fetch(service: "products") {
            requires {... on Product {__typename id}}
            query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {sku}} }
          }
        }
      },
    ]
  }
}\
""")


def test_a_fragment_deferred_under_a_list_reaches_other_subgraphs() -> None:
    operation = "{ products { name ... @defer { reviews { body author { name } } } } }"
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {products {name}}:
      Fetch(service: "products") {
        query {products {name __typename id}}
      }
    }, [
      Deferred(depends: [0], path: "products/@") {
        {reviews {body author {name}}}:
        Sequence {
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
      },
    ]
  }
}\
""")


def test_a_fragment_spread_can_be_deferred() -> None:
    operation = """
      query Shelf { products { id ...Reviews @defer(label: "reviews") } }
      fragment Reviews on Product { reviews { body } }
    """
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {products {id}}:
      Fetch(service: "products") {
        query Shelf__products__0 {products {id __typename}}
      }
    }, [
      Deferred(depends: [0], path: "products/@", label: "reviews") {
        {reviews {body}}:
        Flatten(path: "products.@") {
          Fetch(service: "reviews") {
            requires {... on Product {__typename id}}
            query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }
          }
        }
      },
    ]
  }
}\
""")


def test_a_fragment_on_a_value_type_comes_with_the_primary_and_is_sent_later() -> None:
    operation = "{ products { reviews { ... @defer { body } } } }"
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {products {reviews}}:
      Sequence {
        Fetch(service: "products") {
          query {products {__typename id}}
        }
        Flatten(path: "products.@") {
          Fetch(service: "reviews") {
            requires {... on Product {__typename id}}
            query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }
          }
        }
      }
    }, [
      Deferred(depends: [0, 1], path: "products/@/reviews/@") {
        {body}:
      },
    ]
  }
}\
""")


def test_a_defer_inside_a_deferred_fragment_is_sent_with_it() -> None:
    operation = "{ products { id ... @defer { name ... @defer { reviews { body } } } } }"
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {products {id}}:
      Fetch(service: "products") {
        query {products {id __typename}}
      }
    }, [
      Deferred(depends: [0], path: "products/@") {
        {name ... {reviews {body}}}:
        Parallel {
          Flatten(path: "products.@") {
            Fetch(service: "reviews") {
              requires {... on Product {__typename id}}
              query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }
            }
          }
          Flatten(path: "products.@") {
            Fetch(service: "products") {
              requires {... on Product {__typename id}}
              query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {name}} }
            }
          }
        }
      },
    ]
  }
}\
""")


def test_if_false_is_not_deferred() -> None:
    deferred = plan("entities", "{ products { id ... @defer(if: false) { name } } }")
    assert deferred == plan("entities", "{ products { id ... { name } } }")
    assert deferred == snapshot("""\
QueryPlan {
  Fetch(service: "products") {
    query {products {id name}}
  }
}\
""")


def test_a_variable_if_plans_both_ways() -> None:
    operation = "query($d: Boolean!) { product(id: 1) { id ... @defer(if: $d) { name } } }"
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Condition(if: $d) {
    Defer {
      Primary {
        {product(id: 1) {id}}:
        Fetch(service: "products") {
          query {product(id: 1) {id __typename}}
        }
      }, [
        Deferred(depends: [0], path: "product") {
          {name}:
          Flatten(path: "product") {
            Fetch(service: "products") {
              requires {... on Product {__typename id}}
              query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {name}} }
            }
          }
        },
      ]
    }
  } else {
    Fetch(service: "products") {
      query {product(id: 1) {id name}}
    }
  }
}\
""")


def test_skip_and_include_on_the_way_make_deferred_fetches_conditional() -> None:
    operation = """query($r: Boolean!) {
      products { id ... @defer @include(if: $r) { reviews { body } } }
    }"""
    assert plan("entities", operation) == snapshot("""\
QueryPlan {
  Defer {
    Primary {
      {products {id}}:
      Fetch(service: "products") {
        query {products {id __typename}}
      }
    }, [
      Deferred(depends: [0], path: "products/@") {
        {reviews {body}}:
        Condition(if: $r) {
          Flatten(path: "products.@") {
            Fetch(service: "reviews") {
              requires {... on Product {__typename id}}
              query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }
            }
          }
        }
      },
    ]
  }
}\
""")


def test_a_mutation_is_never_deferred() -> None:
    with_defer_ = 'mutation { createProduct(name: "x") { id ... @defer { name } } }'
    without = 'mutation { createProduct(name: "x") { id ... { name } } }'
    assert plan("entities", with_defer_) == plan("entities", without)


def test_a_query_without_defer_gets_the_same_plan_as_before() -> None:
    supergraph = fixture("entities")
    operation = "{ products { name reviews { body } } }"
    assert plan("entities", operation) == format_plan(plan_operation(supergraph, parse(operation)))


def test_the_json_form_reads_like_apollos() -> None:
    supergraph = fixture("entities")
    document = parse('{ product(id: 1) { name ... @defer(label: "r") { reviews { body } } } }')
    assert plan_operation(supergraph, document).to_json() == snapshot(
        {
            "kind": "QueryPlan",
            "node": {
                "kind": "Defer",
                "primary": {
                    "subselection": "{product(id: 1) {name}}",
                    "node": {
                        "kind": "Fetch",
                        "serviceName": "products",
                        "variableUsages": [],
                        "operation": "query {product(id: 1) {name __typename id}}",
                        "operationKind": "query",
                    },
                },
                "deferred": [
                    {
                        "depends": [{"id": "0", "deferLabel": None}],
                        "label": "r",
                        "queryPath": ["product"],
                        "subselection": "{reviews {body}}",
                        "node": {
                            "kind": "Flatten",
                            "path": ["product"],
                            "node": {
                                "kind": "Fetch",
                                "serviceName": "reviews",
                                "requires": [
                                    {
                                        "kind": "InlineFragment",
                                        "typeCondition": "Product",
                                        "selections": [
                                            {"kind": "Field", "name": "__typename"},
                                            {"kind": "Field", "name": "id"},
                                        ],
                                    }
                                ],
                                "variableUsages": [],
                                "operation": "query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {reviews {body}}} }",
                                "operationKind": "query",
                            },
                        },
                    }
                ],
            },
        }
    )
