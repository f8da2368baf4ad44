"""The supergraph normalizer: what it forgets (order, layout, descriptions), what it keeps."""

import pytest

from tests.schema.semantic import diff, normalize

SUPERGRAPH = """\
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
{
  query: Query
}

directive @join__field(
  graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String,
  external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String
) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__type(
  graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false
) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA

directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM

scalar join__FieldSet

enum join__Graph {
  PRODUCTS @join__graph(name: "products", url: "http://products.example/graphql")
  SHIPPING @join__graph(name: "shipping", url: "http://shipping.example/graphql")
}

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

scalar requiresScopes__Scope

interface Node @join__type(graph: PRODUCTS) {
  id: ID!
}

type Product implements Node
  @join__type(graph: PRODUCTS, key: "id")
  @join__type(graph: SHIPPING, key: "id")
{
  id: ID!
  "The weight in grams."
  weight: Int @join__field(graph: PRODUCTS) @join__field(graph: SHIPPING, external: true)
  dimensions: Dimensions @join__field(graph: PRODUCTS) @join__field(graph: SHIPPING, external: true)
  estimate(country: String! = "NO", express: Boolean = false): Int
    @join__field(graph: SHIPPING, requires: "weight dimensions { length width }")
    @requiresScopes(scopes: [["shipping.read", "catalog.read"], ["admin"]])
}

type Dimensions @join__type(graph: PRODUCTS) @join__type(graph: SHIPPING) {
  length: Int!
  width: Int!
}

enum Carrier @join__type(graph: SHIPPING) {
  POSTNORD
  DHL
}

union Parcel @join__type(graph: SHIPPING) = Product | Dimensions

input QuoteInput @join__type(graph: SHIPPING) {
  carrier: Carrier = DHL
  productIds: [ID!]!
}

type Query @join__type(graph: PRODUCTS) @join__type(graph: SHIPPING) {
  product(id: ID!): Product @join__field(graph: PRODUCTS)
  quote(input: QuoteInput!): Int @join__field(graph: SHIPPING)
}
"""

# The same supergraph, printed differently: every list in another order, other line breaks,
# spacing inside field sets, descriptions changed, and arguments spelled out at their default.
REORDERED = """\
type Query @join__type(graph: SHIPPING) @join__type(graph: PRODUCTS) {
  quote(input: QuoteInput!): Int @join__field(graph: SHIPPING)
  product(id: ID!): Product @join__field(graph: PRODUCTS)
}

input QuoteInput @join__type(graph: SHIPPING) { productIds: [ID!]! carrier: Carrier = DHL }

union Parcel @join__type(graph: SHIPPING) = Dimensions | Product

"Carriers we ship with."
enum Carrier @join__type(graph: SHIPPING) { DHL POSTNORD }

type Dimensions @join__type(graph: SHIPPING, resolvable: true) @join__type(graph: PRODUCTS) {
  width: Int!
  length: Int!
}

type Product implements Node
  @join__type(key: "id", graph: SHIPPING)
  @join__type(graph: PRODUCTS, key: "id", extension: false)
{
  estimate(express: Boolean = false, country: String! = "NO"): Int
    @requiresScopes(scopes: [["admin"], ["catalog.read", "shipping.read"]])
    @join__field(requires: "weight  dimensions{length\\n width}", graph: SHIPPING)
  dimensions: Dimensions @join__field(graph: SHIPPING, external: true) @join__field(graph: PRODUCTS)
  weight: Int @join__field(graph: SHIPPING, external: true) @join__field(graph: PRODUCTS)
  id: ID!
}

interface Node @join__type(graph: PRODUCTS) { id: ID! }

scalar requiresScopes__Scope
enum link__Purpose { EXECUTION SECURITY }
scalar link__Import
enum join__Graph {
  SHIPPING @join__graph(url: "http://shipping.example/graphql", name: "shipping")
  PRODUCTS @join__graph(name: "products", url: "http://products.example/graphql")
}
scalar join__FieldSet

directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!)
  on ENUM | SCALAR | INTERFACE | OBJECT | FIELD_DEFINITION
"Links a specification."
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
directive @join__type(
  graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false
) repeatable on SCALAR | INPUT_OBJECT | ENUM | UNION | INTERFACE | OBJECT
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__field(
  graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String,
  external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String
) repeatable on INPUT_FIELD_DEFINITION | FIELD_DEFINITION

schema
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(for: EXECUTION, url: "https://specs.apollo.dev/join/v0.5")
  @link(url: "https://specs.apollo.dev/link/v1.0")
{ query: Query }
"""


def edit(sdl: str, old: str, new: str) -> str:
    assert sdl.count(old) == 1, f"{old!r} should occur once"
    return sdl.replace(old, new)


def test_order_layout_descriptions_and_spelled_out_defaults_do_not_count() -> None:
    assert normalize(SUPERGRAPH) == normalize(REORDERED), diff(SUPERGRAPH, REORDERED)
    assert diff(SUPERGRAPH, REORDERED) == "no differences"


def test_the_normal_form_reads_like_the_schema() -> None:
    product = normalize(SUPERGRAPH)["types"]["Product"]
    assert product["kind"] == "OBJECT"
    assert product["interfaces"] == ["Node"]
    assert product["directives"] == [
        '@join__type(graph: PRODUCTS, key: "id")',
        '@join__type(graph: SHIPPING, key: "id")',
    ]
    estimate = product["fields"]["estimate"]
    assert estimate["type"] == "Int"
    assert estimate["arguments"]["country"] == {
        "type": "String!",
        "default": '"NO"',
        "directives": [],
    }
    assert estimate["directives"] == [
        '@join__field(graph: SHIPPING, requires: "weight dimensions { length width }")',
        '@requiresScopes(scopes: [["admin"], ["catalog.read", "shipping.read"]])',
    ]


def test_a_missing_join_field_is_a_difference() -> None:
    changed = edit(
        SUPERGRAPH,
        "weight: Int @join__field(graph: PRODUCTS) @join__field(graph: SHIPPING, external: true)",
        "weight: Int @join__field(graph: PRODUCTS)",
    )
    assert normalize(changed) != normalize(SUPERGRAPH)
    assert diff(changed, SUPERGRAPH, names=("ours", "reference")) == (
        "Product.weight directives: only in reference: "
        "@join__field(external: true, graph: SHIPPING)"
    )


@pytest.mark.parametrize(
    ("old", "new", "explained"),
    [
        pytest.param(
            'key: "id")\n  @join__type(graph: SHIPPING',
            'key: "sku")\n  @join__type(graph: SHIPPING',
            "Product directives: only in first: "
            '@join__type(graph: PRODUCTS, key: "sku"); only in second: '
            '@join__type(graph: PRODUCTS, key: "id")',
            id="key",
        ),
        pytest.param(
            'requires: "weight dimensions { length width }"',
            'requires: "weight dimensions { length }"',
            "Product.estimate directives: only in first: "
            '@join__field(graph: SHIPPING, requires: "weight dimensions { length }"); '
            "only in second: "
            '@join__field(graph: SHIPPING, requires: "weight dimensions { length width }")',
            id="requires",
        ),
        pytest.param(
            'country: String! = "NO"',
            'country: String! = "SE"',
            'Product.estimate(country:) default: first has "SE", second has "NO"',
            id="argument-default",
        ),
        pytest.param(
            "carrier: Carrier = DHL",
            "carrier: Carrier",
            "QuoteInput.carrier default: first has (none), second has DHL",
            id="input-field-default",
        ),
        pytest.param(
            "productIds: [ID!]!",
            "productIds: [ID]!",
            "QuoteInput.productIds type: first has [ID]!, second has [ID!]!",
            id="input-field-type",
        ),
        pytest.param(
            '[["shipping.read", "catalog.read"], ["admin"]]',
            '[["shipping.read"], ["admin"]]',
            "Product.estimate directives: only in first: "
            '@requiresScopes(scopes: [["admin"], ["shipping.read"]]); only in second: '
            '@requiresScopes(scopes: [["admin"], ["catalog.read", "shipping.read"]])',
            id="scopes",
        ),
        pytest.param(
            "= Product | Dimensions",
            "= Product",
            "Parcel members: only in second: Dimensions",
            id="union-member",
        ),
        pytest.param(
            "  POSTNORD\n",
            "",
            "Carrier.POSTNORD: only in second: " + '{"directives": []}',
            id="enum-value",
        ),
        pytest.param(
            "type Product implements Node\n",
            "type Product\n",
            "Product interfaces: only in second: Node",
            id="interface",
        ),
        pytest.param(
            "interface Node @join__type(graph: PRODUCTS)",
            "type Node @join__type(graph: PRODUCTS)",
            "Node kind: first has OBJECT, second has INTERFACE",
            id="type-kind",
        ),
        pytest.param(
            'url: "http://shipping.example/graphql"',
            'url: "http://shipping.internal/graphql"',
            "join__Graph.SHIPPING directives: only in first: "
            '@join__graph(name: "shipping", url: "http://shipping.internal/graphql"); '
            "only in second: "
            '@join__graph(name: "shipping", url: "http://shipping.example/graphql")',
            id="graph-url",
        ),
        pytest.param(
            '  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)\n',
            "",
            "schema directives: only in second: "
            '@link(for: SECURITY, url: "https://specs.apollo.dev/requiresScopes/v0.1")',
            id="schema-link",
        ),
        pytest.param(
            "on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
            "on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR",
            "directive @requiresScopes locations: only in second: ENUM",
            id="directive-location",
        ),
    ],
)
def test_a_change_is_a_difference_and_is_explained(old: str, new: str, explained: str) -> None:
    changed = edit(SUPERGRAPH, old, new)
    assert normalize(changed) != normalize(SUPERGRAPH)
    assert diff(changed, SUPERGRAPH) == explained


def test_repeated_applications_are_counted() -> None:
    doubled = edit(
        SUPERGRAPH,
        "dimensions: Dimensions @join__field(graph: PRODUCTS)",
        "dimensions: Dimensions @join__field(graph: PRODUCTS) @join__field(graph: PRODUCTS)",
    )
    assert normalize(doubled) != normalize(SUPERGRAPH)
    assert diff(doubled, SUPERGRAPH) == (
        "Product.dimensions directives: only in first: @join__field(graph: PRODUCTS)"
    )


def test_a_type_only_on_one_side_is_named() -> None:
    extra = SUPERGRAPH + "\nscalar DateTime @join__type(graph: PRODUCTS)\n"
    assert diff(extra, SUPERGRAPH, names=("ours", "reference")) == (
        'DateTime: only in ours: {"kind": "SCALAR", "directives": ["@join__type(graph: PRODUCTS)"]}'
    )


def test_diff_stops_after_the_first_differences() -> None:
    extra = SUPERGRAPH + "".join(f"\nscalar S{i}\n" for i in range(30))
    explained = diff(extra, SUPERGRAPH, limit=5).splitlines()
    assert len(explained) == 6
    assert explained[-1] == "… and 25 more differences"


def test_without_a_schema_definition_the_roots_are_the_default_names() -> None:
    sdl = "type Query { a: Int }\ntype Mutation { b: Int }\n"
    assert normalize(sdl)["schema"]["operations"] == {"query": "Query", "mutation": "Mutation"}
