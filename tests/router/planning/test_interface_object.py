"""@interfaceObject: fields an interface gains in a subgraph that doesn't know its types."""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_interface_object_fields_are_fetched_as_the_interface() -> None:
    assert plan("interface_object", "{ accounts { id name balance } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "accounts") {
      query {accounts {__typename ... on Customer {id name __typename} ... on Vendor {id name __typename}}}
    }
    Flatten(path: "accounts.@") {
      Fetch(service: "billing") {
        requires {... on Customer {__typename id} ... on Vendor {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Account {balance}} }
      }
    }
  }
}\
""")


def test_concrete_types_come_from_the_subgraph_with_the_real_interface() -> None:
    operation = "{ overdueAccounts { balance __typename ... on Customer { loyaltyPoints } } }"
    assert plan("interface_object", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "billing") {
      query {overdueAccounts {balance __typename id}}
    }
    Flatten(path: "overdueAccounts.@") {
      Fetch(service: "accounts") {
        requires {... on Account {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Account {__typename ... on Customer {__typename loyaltyPoints}}} }
      }
    }
  }
}\
""")
