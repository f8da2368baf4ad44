"""Abstract values on a @shareable path: only the types every resolving subgraph can return.

When the same objects may come from several subgraphs (a @shareable path from the root or from
an entity), a type condition on a member that one of them lacks is not asked for: the answer
must not depend on which subgraph was asked. Its fields are answered null, as Apollo does.
"""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan

EVERY_MEMBER = (
    "items { __typename ... on Post { title } ... on Ad { slogan } ... on Video { url } }"
)


def test_a_shareable_root_path_asks_only_for_the_shared_members() -> None:
    assert plan("shareable_unions", f"{{ feed {{ {EVERY_MEMBER} }} }}") == snapshot("""\
QueryPlan {
  Fetch(service: "a") {
    query {feed {items {__typename ... on Post {__typename title}}}}
  }
}\
""")


def test_a_shareable_path_below_an_entity() -> None:
    assert plan("shareable_unions", f"{{ board {{ feed {{ {EVERY_MEMBER} }} }} }}") == snapshot("""\
QueryPlan {
  Fetch(service: "a") {
    query {board {feed {items {__typename ... on Post {__typename title}}}}}
  }
}\
""")


def test_a_path_only_one_subgraph_resolves_keeps_its_own_members() -> None:
    operation = f"{{ board {{ videoFeed {{ {EVERY_MEMBER} }} }} }}"
    assert plan("shareable_unions", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "a") {
      query {board {__typename id}}
    }
    Flatten(path: "board") {
      Fetch(service: "b") {
        requires {... on Board {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Board {videoFeed {items {__typename ... on Post {__typename title} ... on Video {__typename url}}}}} }
      }
    }
  }
}\
""")


def test_interface_fields_are_asked_of_every_implementation_on_a_shareable_path() -> None:
    # Ad objects still get `id`; only the fragment on Ad (which b lacks) is left out.
    operation = "{ feed { items { id ... on Post { title } ... on Ad { slogan } } } }"
    assert plan("shareable_interfaces", operation) == snapshot("""\
QueryPlan {
  Fetch(service: "a") {
    query {feed {items {__typename ... on Ad {id} ... on Post {id title}}}}
  }
}\
""")
