"""Federation 1 supergraphs (join v0.1 with @join__owner)."""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_owner_and_extending_subgraphs() -> None:
    assert plan("fed1", "{ me { name purchases { name buyer { name } } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "accounts") {
      query {me {name __typename id}}
    }
    Flatten(path: "me") {
      Fetch(service: "products") {
        requires {... on User {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on User {purchases {name buyer {__typename id}}}} }
      }
    }
    Flatten(path: "me.purchases.@.buyer") {
      Fetch(service: "accounts") {
        requires {... on User {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on User {name}} }
      }
    }
  }
}\
""")
