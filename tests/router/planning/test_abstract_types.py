"""Unions and interfaces whose members live in several subgraphs."""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_union_members_are_planned_per_type() -> None:
    operation = """
      { search(query: "kettle") {
          ... on Product { name video }
          ... on Article { title body }
      } }
    """
    assert plan("abstract", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {search(query: "kettle") {__typename ... on Product {name __typename id} ... on Article {title __typename id}}}
    }
    Flatten(path: "search.@") {
      Fetch(service: "media") {
        requires {... on Product {__typename id} ... on Article {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {video} ... on Article {body}} }
      }
    }
  }
}\
""")


def test_interface_fields_and_type_conditions() -> None:
    operation = '{ node(id: "1") { id ... on Article { body } } }'
    assert plan("abstract", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {node(id: "1") {__typename ... on Product {id} ... on Article {id __typename}}}
    }
    Flatten(path: "node") {
      Fetch(service: "media") {
        requires {... on Article {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Article {body}} }
      }
    }
  }
}\
""")
