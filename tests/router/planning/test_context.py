"""Contextual arguments (@fromContext): a field is fetched by an entity fetch after the fetches
that write the value its context selects on the nearest ancestor setting the context, and
passes it in a variable. The plans are Apollo's (@apollo/query-planner 2.14.4 plans the same
fetches, selections and context rewrites for these operations over this supergraph)."""

from graphql import parse
from inline_snapshot import snapshot

from router.planning import plan_operation
from tests.router.planning.plans import fixture, plan


def test_a_contextual_field_waits_for_the_value_its_context_reads() -> None:
    # The shop's currency lives in markets: fetched there before the prices are.
    assert plan("context", "{ shops { name products { price } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "storefront") {
      query {shops {name products {__typename id} __typename id}}
    }
    Flatten(path: "shops.@") {
      Fetch(service: "markets") {
        requires {... on Shop {__typename id}}
        query($representations: [_Any!]!) { _entities(representations: $representations) {... on Shop {currency}} }
      }
    }
    Flatten(path: "shops.@.products.@") {
      Fetch(service: "storefront") {
        requires {... on Product {__typename id}}
        context $contextualArgument_3_2 = ../... on Shop/currency
        query($representations: [_Any!]!, $contextualArgument_3_2: String) { _entities(representations: $representations) {... on Product {price(currency: $contextualArgument_3_2)}} }
      }
    }
  }
}\
""")


def test_the_nearest_ancestor_that_sets_the_context_gives_the_value() -> None:
    operation = '{ shop(id: "s1") { outlet { clearance { price label } } products { label } } }'
    assert plan("context", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "storefront") {
      query {shop(id: "s1") {outlet {clearance {__typename id} __typename currency language} products {__typename id} __typename locale}}
    }
    Parallel {
      Flatten(path: "shop.outlet.clearance.@") {
        Fetch(service: "storefront") {
          requires {... on Product {__typename id}}
          context $contextualArgument_3_2 = ../... on Outlet/currency
          context $contextualArgument_3_1 = ../... on Outlet/language
          query($representations: [_Any!]!, $contextualArgument_3_2: String, $contextualArgument_3_1: String) { _entities(representations: $representations) {... on Product {price(currency: $contextualArgument_3_2) label(locale: $contextualArgument_3_1)}} }
        }
      }
      Flatten(path: "shop.products.@") {
        Fetch(service: "storefront") {
          requires {... on Product {__typename id}}
          context $contextualArgument_3_1 = ../... on Shop/locale
          query($representations: [_Any!]!, $contextualArgument_3_1: String) { _entities(representations: $representations) {... on Product {label(locale: $contextualArgument_3_1)}} }
        }
      }
    }
  }
}\
""")


def test_an_interface_and_a_union_set_contexts_their_objects_are_read_through() -> None:
    operation = """{
      featured { ... on Banner { sticker { caption } } }
      promotions { ... on Bundle { gift { note } } ... on Coupon { gift { note } } }
    }"""
    assert plan("context", operation) == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "storefront") {
      query {featured {__typename ... on Banner {sticker {__typename id} __typename title}} promotions {__typename ... on Bundle {gift {__typename id} __typename code} ... on Coupon {gift {__typename id} __typename voucher}}}
    }
    Parallel {
      Flatten(path: "featured.sticker") {
        Fetch(service: "storefront") {
          requires {... on Sticker {__typename id}}
          context $contextualArgument_3_3 = ../... on Banner/title
          query($representations: [_Any!]!, $contextualArgument_3_3: String) { _entities(representations: $representations) {... on Sticker {caption(title: $contextualArgument_3_3)}} }
        }
      }
      Flatten(path: "promotions.@.gift") {
        Fetch(service: "storefront") {
          requires {... on Gift {__typename id}}
          context $contextualArgument_3_0 = ../... on Bundle/code
          context $contextualArgument_3_0 = ../... on Coupon/voucher
          query($representations: [_Any!]!, $contextualArgument_3_0: String) { _entities(representations: $representations) {... on Gift {note(code: $contextualArgument_3_0)}} }
        }
      }
    }
  }
}\
""")


def test_contextual_fields_beside_fields_of_other_subgraphs() -> None:
    assert plan("context", "{ shops { products { name label } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "storefront") {
      query {shops {products {__typename id} __typename locale}}
    }
    Parallel {
      Flatten(path: "shops.@.products.@") {
        Fetch(service: "catalog") {
          requires {... on Product {__typename id}}
          query($representations: [_Any!]!) { _entities(representations: $representations) {... on Product {name}} }
        }
      }
      Flatten(path: "shops.@.products.@") {
        Fetch(service: "storefront") {
          requires {... on Product {__typename id}}
          context $contextualArgument_3_1 = ../... on Shop/locale
          query($representations: [_Any!]!, $contextualArgument_3_1: String) { _entities(representations: $representations) {... on Product {label(locale: $contextualArgument_3_1)}} }
        }
      }
    }
  }
}\
""")


def test_the_printed_plan_carries_apollos_context_rewrites() -> None:
    operation = parse('{ shop(id: "s1") { outlet { clearance { label price } } } }')
    printed = plan_operation(fixture("context"), operation).to_json()
    fetch = printed["node"]["nodes"][1]["node"]
    assert fetch["variableUsages"] == ["contextualArgument_3_1", "contextualArgument_3_2"]
    assert fetch["contextRewrites"] == [
        {"kind": "KeyRenamer", "path": ["..", "... on Outlet", "language"],
         "renameKeyTo": "contextualArgument_3_1"},
        {"kind": "KeyRenamer", "path": ["..", "... on Outlet", "currency"],
         "renameKeyTo": "contextualArgument_3_2"},
    ]  # fmt: skip


def test_an_object_holds_its_interfaces_context_however_it_is_reached() -> None:
    assert plan("context", "{ banners { sticker { caption } } }") == snapshot("""\
QueryPlan {
  Sequence {
    Fetch(service: "storefront") {
      query {banners {sticker {__typename id} __typename title}}
    }
    Flatten(path: "banners.@.sticker") {
      Fetch(service: "storefront") {
        requires {... on Sticker {__typename id}}
        context $contextualArgument_3_3 = ../... on Banner/title
        query($representations: [_Any!]!, $contextualArgument_3_3: String) { _entities(representations: $representations) {... on Sticker {caption(title: $contextualArgument_3_3)}} }
      }
    }
  }
}\
""")
