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
