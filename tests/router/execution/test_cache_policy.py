"""The ``Cache-Control`` policy of an operation from our supergraph's ``@cacheControl`` hints:
the lowest max age of what it selects, private when anything it selects is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from router.execution.cache_policy import CachePolicy, fetch_cache_policy, root_entity_ids
from router.execution.service import RouterService
from router.http.app import create_app
from router.http.config import RouterConfig
from router.supergraph import load_supergraph
from tests.router.conftest import ROOT

SUPERGRAPH = ROOT / "schema" / "supergraph.graphql"


@pytest.fixture(scope="module")
def service() -> Iterator[RouterService]:
    with TestClient(create_app(RouterConfig(), supergraph_path=SUPERGRAPH)) as client:
        holder = client.app.state.supergraph  # type: ignore[attr-defined]
        yield holder.service


async def _policy(service: RouterService, query: str) -> CachePolicy:
    prepared = await service.prepare(query, None)
    assert not prepared.errors, prepared.errors
    return service.cache_policy(prepared)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Product's 60 s; its price (Money) and images take the product's age.
        ('{ product(id: "p-0001") { name price { amount } images { url } } }', CachePolicy(60)),
        # Categories are kept 5 minutes, but products in them only a minute.
        ("{ categories { name } }", CachePolicy(300)),
        ("{ categories { name products(first: 2) { edges { node { name } } } } }",
         CachePolicy(60)),
        # Stock changes with every order: 5 s.
        ('{ product(id: "p-0001") { name stock { available } } }', CachePolicy(5)),
        ('{ search(query: "kettle") { total hits { product { name } } } }', CachePolicy(30)),
        ('{ suggest(prefix: "ke") }', CachePolicy(60)),
        # A user's own data: private, and not kept.
        ("{ me { id } }", CachePolicy(0, private=True)),
        ('{ product(id: "p-0001") { name } me { id } }', CachePolicy(0, private=True)),
        # Review authors' names depend on who asks (only yours is shown).
        ('{ product(id: "p-0001") { reviews(first: 2) { nodes { author { name } } } } }',
         CachePolicy(0, private=True)),
        ("{ __typename }", CachePolicy(0)),
    ],
)  # fmt: skip
async def test_policies_of_storefront_queries(
    service: RouterService, query: str, expected: CachePolicy
) -> None:
    assert await _policy(service, query) == expected


async def test_mutations_are_never_cached(service: RouterService) -> None:
    policy = await _policy(service, "mutation { createCart { id } }")
    assert policy.header(authenticated=False) == "no-store"


def test_headers() -> None:
    assert CachePolicy(60).header(authenticated=False) == "max-age=60, public"
    assert CachePolicy(60).header(authenticated=True) == "max-age=60, private"
    assert CachePolicy(60, private=True).header(authenticated=False) == "max-age=60, private"
    assert CachePolicy(0).header(authenticated=False) == "no-store"
    assert CachePolicy(0, private=True).header(authenticated=False) == "private, no-store"


def test_hints_are_read_under_the_name_the_supergraph_imports_them_by() -> None:
    sdl = (
        SUPERGRAPH.read_text()
        .replace('import: ["@cacheControl"]', 'import: [{name: "@cacheControl", as: "@cacheHint"}]')
        .replace("@cacheControl(", "@cacheHint(")  # applications and the definition
    )
    hints = load_supergraph(sdl).cache_hints
    assert hints["Product"].max_age == 60
    assert hints["User"].scope == "PRIVATE"
    assert hints["Money"].inherit_max_age


def test_fetch_policies() -> None:
    supergraph = load_supergraph(SUPERGRAPH.read_text())
    schema, hints = supergraph.schema, supergraph.cache_hints
    entities = (
        "query($representations: [_Any!]!) { _entities(representations: $representations) "
        "{ ... on Product { stock { available } } } }"
    )
    assert fetch_cache_policy(entities, schema, hints) == CachePolicy(5)
    users = (
        "query($representations: [_Any!]!) { _entities(representations: $representations) "
        "{ ... on User { name } } }"
    )
    assert fetch_cache_policy(users, schema, hints) == CachePolicy(0, private=True)
    root = 'query { product(id: "p-1") { __typename id name } }'
    assert fetch_cache_policy(root, schema, hints) == CachePolicy(60)
    assert fetch_cache_policy("mutation { createCart { id } }", schema, hints).max_age == 0
    assert fetch_cache_policy("{ nope", schema, hints).max_age == 0
    assert root_entity_ids("query($p: ID) { product(id: $p) { id } }", schema) == (
        ("Product", "p", True),
    )
    assert root_entity_ids(root, schema) == (("Product", "p-1", False),)
