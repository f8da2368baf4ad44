"""Keys and @requires whose selections nest: every nested field reaches the representation.

A representation that already carries ``bottles { id }`` still lacks ``bottles { lot { code } }``
for a subgraph whose key asks for it: the missing fields are fetched into the same objects
before the entity fetch that needs them.
"""

from inline_snapshot import snapshot

from tests.router.planning.plans import plan


def test_a_nested_key_from_the_root_fetch() -> None:
    assert plan("nested_requires", "{ shelves { label } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "a") {
      query {shelves {__typename id items {sku}}}
    }
    Flatten(path: "shelves.@") {
      Fetch(service: "b") {
        requires {... on Shelf {__typename id items {sku}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {items {lot {code}}}} }
      }
    }
    Flatten(path: "shelves.@") {
      Fetch(service: "c") {
        requires {... on Shelf {__typename id items {sku lot {code}}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {label}} }
      }
    }
  }
}\
""")


def test_a_nested_key_partly_in_an_entity_representation_is_completed() -> None:
    # listing's representation of Shelf has `bottles { id }`; pricing's key needs `lot { code }`
    # of each bottle too, which only catalog resolves.
    assert plan("nested_keys", "{ topShelf { featured { price } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "catalog") {
      query {topShelf {__typename bottles {id}}}
    }
    Flatten(path: "topShelf") {
      Fetch(service: "listing") {
        requires {... on Shelf {__typename bottles {id}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {featured {__typename} __typename bottles {__typename id}}} }
      }
    }
    Flatten(path: "topShelf.bottles.@") {
      Fetch(service: "catalog") {
        requires {... on Bottle {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Bottle {lot {code}}} }
      }
    }
    Flatten(path: "topShelf") {
      Fetch(service: "pricing") {
        requires {... on Shelf {__typename bottles {id lot {code}}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {featured {price}}} }
      }
    }
  }
}\
""")


def test_a_nested_requires_selection() -> None:
    assert plan("nested_requires", "{ shelves { freshness } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "a") {
      query {shelves {__typename id items {sku}}}
    }
    Flatten(path: "shelves.@") {
      Fetch(service: "b") {
        requires {... on Shelf {__typename id items {sku}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {items {lot {expires}}}} }
      }
    }
    Flatten(path: "shelves.@") {
      Fetch(service: "d") {
        requires {... on Shelf {__typename id items {lot {expires}}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {freshness}} }
      }
    }
  }
}\
""")


def test_a_nested_requires_and_a_nested_key_together() -> None:
    assert plan("nested_requires", "{ shelves { aisle label freshness } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "a") {
      query {shelves {__typename id items {sku}}}
    }
    Flatten(path: "shelves.@") {
      Fetch(service: "b") {
        requires {... on Shelf {__typename id items {sku}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {aisle items {lot {code expires}}}} }
      }
    }
    Parallel {
      Flatten(path: "shelves.@") {
        Fetch(service: "c") {
          requires {... on Shelf {__typename id items {sku lot {code}}}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {label}} }
        }
      }
      Flatten(path: "shelves.@") {
        Fetch(service: "d") {
          requires {... on Shelf {__typename id items {lot {expires}}}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shelf {freshness}} }
        }
      }
    }
  }
}\
""")


def test_an_interface_object_reaches_implementations_through_a_nested_key() -> None:
    operation = "{ overdue { balance ... on Person { name } } }"
    assert plan("nested_keys_interfaces", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "billing") {
      query {overdue {balance __typename id region {code}}}
    }
    Flatten(path: "overdue.@") {
      Fetch(service: "accounts") {
        requires {... on Account {__typename id region {code}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Account {__typename ... on Person {name}}} }
      }
    }
  }
}\
""")


def test_a_nested_requires_on_an_interface_object_from_the_interface_subgraph() -> None:
    assert plan("nested_keys_interfaces", "{ accounts { taxed } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "accounts") {
      query {accounts {__typename ... on Company {__typename id region {code name}} ... on Person {__typename id region {code name}}}}
    }
    Flatten(path: "accounts.@") {
      Fetch(service: "billing") {
        requires {... on Company {__typename id region {code name}} ... on Person {__typename id region {code name}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Account {taxed}} }
      }
    }
  }
}\
""")


def test_a_nested_requires_on_an_interface_object_completed_from_the_implementations() -> None:
    # billing holds `region { code }` of each account; `taxed` needs `region { name }`, which
    # only accounts resolves: fetched there first, into the same objects.
    operation = "{ overdue { taxed ... on Company { vat } } }"
    assert plan("nested_keys_interfaces", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "billing") {
      query {overdue {__typename id region {code}}}
    }
    Flatten(path: "overdue.@") {
      Fetch(service: "accounts") {
        requires {... on Account {__typename id region {code}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Account {__typename ... on Company {region {name} vat} ... on Person {region {name}}}} }
      }
    }
    Flatten(path: "overdue.@") {
      Fetch(service: "billing") {
        requires {... on Account {__typename id region {code name}}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Account {taxed}} }
      }
    }
  }
}\
""")
