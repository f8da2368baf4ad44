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


def test_fields_for_one_implementation_are_asked_of_its_objects_only() -> None:
    # pricing has Item as an @interfaceObject: `price(currency:)` under `... on Book` goes in a
    # fetch whose representations are Books only; `price_14` goes for every item.
    operation = (
        "query ($c: String) { topItems { ... on Book { price(currency: $c) } price_14: price } }"
    )
    assert plan("interface_object_fragments", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "reviews") {
      query {topItems {__typename id}}
    }
    Parallel {
      Flatten(path: "topItems.@") {
        Fetch(service: "inventory") {
          requires {... on Item {__typename id}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Item {__typename ... on Book {__typename}}} }
        }
      }
      Flatten(path: "topItems.@") {
        Fetch(service: "pricing") {
          requires {... on Item {__typename id}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Item {price_14:price}} }
        }
      }
    }
    Flatten(path: "topItems.@") {
      Fetch(service: "pricing") {
        requires {... on Book {__typename id}}
        query($representations: [_Any!]!, $c: String) { _entities(representations: $representations) {... on Item {price(currency: $c)}} }
      }
    }
  }
}\
""")
