"""@context and @fromContext misuse: each mistake, the code Apollo's composition gives it, and
ours the same (the corpus, cases 96 to 99, has the composing case and three others); the last
three are queries that reach a contextual field with no type setting its context above it."""

import pytest

from schema.composition import SubgraphInput, compose
from schema.composition.context import parse_context
from tests.schema.reference import ReferenceResult, reference_compose_all

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", '
    'import: ["@key", "@context", "@fromContext", "@shareable", "@interfaceObject"])\n'
)
SHOP = (
    "type Query { shops: [Shop!]! }\n"
    'type Shop @key(fields: "id") @context(name: "market") '
    "{ id: ID! currency: String! products: [Product!]! }\n"
)
PRICE = 'price(currency: String @fromContext(field: "$market { currency }")): Int'
CATALOG = LINK + 'type Query { sku: String }\ntype Product @key(fields: "id") { id: ID! }\n'

# name → (the code, the storefront subgraph, the catalog subgraph)
CASES: dict[str, tuple[str, str, str]] = {
    "underscore in a context name": (
        "CONTEXT_NAME_INVALID",
        SHOP.replace('"market"', '"shop_market"') + 'type Product @key(fields: "id") '
        '{ id: ID! price(currency: String @fromContext(field: "$shop_market { currency }")): Int }',
        CATALOG,
    ),
    "a context name that is not alphanumeric": (
        "CONTEXT_NAME_INVALID",
        SHOP.replace('"market"', '"mar-ket"') + 'type Product @key(fields: "id") { id: ID! }',
        CATALOG,
    ),
    "a field value without a context": (
        "NO_CONTEXT_IN_SELECTION",
        SHOP + 'type Product @key(fields: "id") '
        '{ id: ID! price(currency: String @fromContext(field: "{ currency }")): Int }',
        CATALOG,
    ),
    "a contextual argument with a default": (
        "CONTEXT_NOT_SET",
        SHOP + 'type Product @key(fields: "id") { id: ID! price(currency: String = "EUR" '
        '@fromContext(field: "$market { currency }")): Int }',
        CATALOG,
    ),
    "a contextual argument on an interface field": (
        "CONTEXT_NOT_SET",
        SHOP.replace("[Product!]!", "[Priced!]!")
        + f"interface Priced {{ id: ID! {PRICE} }}\n"
        + 'type Product implements Priced @key(fields: "id") '
        "{ id: ID! price(currency: String): Int }",
        CATALOG,
    ),
    "a contextual argument on a field an interface declares": (
        "CONTEXT_NOT_SET",
        SHOP + "interface Priced { price: Int }\n"
        f'type Product implements Priced @key(fields: "id") {{ id: ID! {PRICE} }}',
        CATALOG,
    ),
    "a contextual argument on a directive definition": (
        "CONTEXT_NOT_SET",
        'directive @audit(currency: String @fromContext(field: "$market { currency }")) '
        "on FIELD_DEFINITION\n" + SHOP + 'type Product @key(fields: "id") { id: ID! }',
        CATALOG,
    ),
    "a selection of two fields": (
        "CONTEXT_INVALID_SELECTION",
        SHOP + 'type Product @key(fields: "id") { id: ID! '
        'price(currency: String @fromContext(field: "$market { id currency }")): Int }',
        CATALOG,
    ),
    "an alias in the selection": (
        "CONTEXT_INVALID_SELECTION",
        SHOP + 'type Product @key(fields: "id") { id: ID! '
        'price(currency: String @fromContext(field: "$market { code: currency }")): Int }',
        CATALOG,
    ),
    "a field the context type lacks": (
        "CONTEXT_INVALID_SELECTION",
        SHOP + 'type Product @key(fields: "id") { id: ID! '
        'price(currency: String @fromContext(field: "$market { money }")): Int }',
        CATALOG,
    ),
    "a non-null contextual argument": (
        "CONTEXT_INVALID_SELECTION",
        SHOP + 'type Product @key(fields: "id") { id: ID! '
        'price(currency: String! @fromContext(field: "$market { currency }")): Int }',
        CATALOG,
    ),
    "a type condition that never applies": (
        "CONTEXT_INVALID_SELECTION",
        SHOP + 'type Outlet @key(fields: "id") { id: ID! currency: String! }\n'
        'type Product @key(fields: "id") { id: ID! price(currency: String @fromContext('
        'field: "$market ... on Shop { currency } ... on Outlet { currency }")): Int }',
        CATALOG,
    ),
    "a context read from an interface object": (
        "CONTEXT_INVALID_SELECTION",
        SHOP.replace('@key(fields: "id") @context', '@key(fields: "id") @interfaceObject @context')
        + f'type Product @key(fields: "id") {{ id: ID! {PRICE} }}',
        LINK + 'type Query { sku: String }\ninterface Shop @key(fields: "id") { id: ID! }\n'
        'type Store implements Shop @key(fields: "id") { id: ID! }\n'
        'type Product @key(fields: "id") { id: ID! }\n',
    ),
    "an argument contextual in one subgraph and required in another": (
        "CONTEXTUAL_ARGUMENT_NOT_CONTEXTUAL_IN_ALL_SUBGRAPHS",
        SHOP + f'type Product @key(fields: "id") {{ id: ID! {PRICE} @shareable }}',
        LINK + 'type Query { sku: String }\ntype Product @key(fields: "id") '
        "{ id: ID! price(currency: String!): Int @shareable }",
    ),
    "a type reading the context it sets itself": (
        "SATISFIABILITY_ERROR",
        SHOP.replace("products: [Product!]!", PRICE.replace("price", "listing")),
        CATALOG,
    ),
    "a path through a union member that sets no context": (
        "SATISFIABILITY_ERROR",
        SHOP.replace("{ shops: [Shop!]! }", "{ shops: [Shop!]! sellers: [Seller!]! }")
        + "union Seller = Shop | Market\n"
        'type Market @key(fields: "id") { id: ID! products: [Product!]! }\n'
        f'type Product @key(fields: "id") {{ id: ID! {PRICE} }}',
        CATALOG,
    ),
    "a root field of another subgraph reaching the type": (
        "SATISFIABILITY_ERROR",
        SHOP + f'type Product @key(fields: "id") {{ id: ID! {PRICE} }}',
        LINK + "type Query { product(id: ID!): Product }\n"
        'type Product @key(fields: "id") { id: ID! }\n',
    ),
}


def _subgraphs(name: str) -> list[SubgraphInput]:
    _, storefront, catalog = CASES[name]
    return [
        SubgraphInput("storefront", "http://storefront.example/graphql", LINK + storefront),
        SubgraphInput("catalog", "http://catalog.example/graphql", catalog),
    ]


@pytest.fixture(scope="module")
def reference() -> dict[str, ReferenceResult]:
    results = reference_compose_all([_subgraphs(name) for name in CASES])
    return dict(zip(CASES, results, strict=True))


@pytest.mark.parametrize("name", list(CASES))
def test_misuse_gets_apollos_code(name: str, reference: dict[str, ReferenceResult]) -> None:
    code = CASES[name][0]
    assert reference[name].codes == {code}, reference[name].errors
    ours = compose(_subgraphs(name))
    assert {error.code for error in ours.errors} == {code}, [str(e) for e in ours.errors]
    assert all(error.locations for error in ours.errors)


def test_the_selection_is_what_follows_the_context_name_as_written() -> None:
    assert parse_context("$market { currency }") == ("market", " { currency }")
    assert parse_context(" # where\n $market ... on Shop { currency }") == (
        "market",
        " ... on Shop { currency }",
    )
    assert parse_context("{ currency }") == (None, None)
