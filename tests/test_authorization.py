"""The router's policy hook on real tokens from the local identity provider: a person's token
grants what its ``scp`` names, an app's token every scope, no token nothing; and the router,
with the hook, refuses before planning what the subgraphs would refuse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import parse
from starlette.testclient import TestClient

from router.auth.directives import AuthorizationRules
from router.auth.viewer import load_policy_hook, viewer_of
from router.planning.authorize import authorize_operation
from router.planning.normalize import normalize_operation
from router.planning.operation import Field, Selection
from router.supergraph import load_supergraph
from shopgraph.authorization import SCOPE_POLICIES, decide_policies
from subgraphs.users.identity.app import create_app
from subgraphs.users.identity.provider import IdentityProvider
from subgraphs.users.identity.settings import ProviderSettings
from tests.schema.corpus import REPO
from tests.subgraphs.users.identity.oidc import (
    API,
    TOKEN,
    AuthorizationRequest,
    ManualClock,
    sign_in_tokens,
    verifier,
)

EVERY_SCOPE = frozenset({"catalog.write", "orders.read", "orders.write", "profile.read",
                         "profile.write"})  # fmt: skip
SUPERGRAPH = load_supergraph((REPO / "schema" / "supergraph.graphql").read_text())
RULES = AuthorizationRules.from_directives(SUPERGRAPH.directives)


@pytest.fixture
def http() -> Iterator[TestClient]:
    settings = ProviderSettings(base_url="http://127.0.0.1:4100", dev_port_offset=0)
    provider = IdentityProvider(settings, clock=ManualClock())
    with TestClient(create_app(provider), follow_redirects=False) as client:
        yield client


async def person(http: TestClient, scopes: str, email: str = "alice@example.com") -> Any:
    """The verified claims of a person's access token from the code flow of the mobile app."""
    request = AuthorizationRequest(scope=f"openid offline_access {scopes}".strip())
    tokens = sign_in_tokens(http, request, email=email)
    return await verifier(http).verify(tokens["access_token"])


async def vendor_app(http: TestClient) -> Any:
    response = http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "scope": f"{API}/.default"},
        auth=("vendor-app-v-01", "vendor-app-v-01-dev-secret"),
    )
    assert response.status_code == 200, response.text
    return await verifier(http).verify(response.json()["access_token"])


def test_the_policies_are_the_scopes_of_the_api() -> None:
    assert SCOPE_POLICIES == EVERY_SCOPE
    assert RULES.policy_names() <= SCOPE_POLICIES, "a @policy that names no scope"


async def test_a_person_satisfies_the_policies_their_app_was_granted(http: TestClient) -> None:
    claims = await person(http, f"{API}/orders.read {API}/profile.read")
    assert claims["scp"] == "orders.read profile.read"
    assert decide_policies(EVERY_SCOPE, claims) == {"orders.read", "profile.read"}
    assert decide_policies(frozenset({"orders.write"}), claims) == frozenset()


async def test_a_person_without_api_scopes_satisfies_none(http: TestClient) -> None:
    claims = await person(http, "")
    assert claims["scp"] == ""
    assert decide_policies(EVERY_SCOPE, claims) == frozenset()


async def test_an_app_satisfies_every_scope_but_no_other_policy(http: TestClient) -> None:
    claims = await vendor_app(http)
    assert "scp" not in claims
    assert claims["roles"] == ["vendor"]
    asked = EVERY_SCOPE | {"vendor_owns_product"}
    assert decide_policies(asked, claims) == EVERY_SCOPE


def test_anonymous_callers_and_odd_scope_claims_satisfy_none() -> None:
    assert decide_policies(EVERY_SCOPE, None) == frozenset()
    assert decide_policies(EVERY_SCOPE, {"sub": "u-1", "scp": ["orders.read"]}) == frozenset()


def denied(claims: Any, operation: str) -> list[str]:
    """The fields of ``operation`` the router leaves out for the caller with ``claims``."""
    hook = load_policy_hook("shopgraph.authorization:decide_policies")
    viewer = viewer_of(claims, scope_claims=["scope", "scp"], policies=RULES.policy_names(),
                       hook=hook)  # fmt: skip
    normalized = normalize_operation(parse(operation))
    authorized = authorize_operation(SUPERGRAPH.api_schema, RULES, normalized, viewer)
    return sorted(f.name for f in _fields(normalized.selections) if id(f) in authorized.denied)


def _fields(selections: list[Selection]) -> Iterator[Field]:
    for selection in selections:
        if isinstance(selection, Field):
            yield selection
        yield from _fields(selection.selections)


PROFILE_AND_ORDERS = (
    "{ me { orders { edges { node { id } } } addresses { id } preferences { language } }"
    " products { edges { node { name } } } }"
)
PLACE_ORDER = (
    'mutation { placeOrder(input: {idempotencyKey: "k-12345678", shipping: {recipient: "A",'
    ' line1: "B", city: "C", postalCode: "D", country: "NO"}, payment: {cardNumber: "4"}})'
    " { id } }"
)


async def test_the_router_refuses_what_the_subgraphs_would_refuse(http: TestClient) -> None:
    assert denied(None, PROFILE_AND_ORDERS) == ["me"]
    shopper = await person(http, f"{API}/orders.read {API}/profile.read")
    assert denied(shopper, PROFILE_AND_ORDERS) == []
    assert denied(shopper, PLACE_ORDER) == ["placeOrder"]
    buyer = await person(http, f"{API}/orders.write")
    assert denied(buyer, PLACE_ORDER) == []
    assert denied(buyer, PROFILE_AND_ORDERS) == ["addresses", "orders", "preferences"]
    assert denied(await vendor_app(http), PLACE_ORDER) == []  # its roles decide, in the subgraph
    assert denied(None, BROWSING) == []
    assert denied(None, 'mutation { createCart { id } addToCart(productId: "p-1") { id } }') == []


BROWSING = """{
  search(query: "lamp") { total hits { product { name } } facets { brands { brand } } }
  suggest(prefix: "la")
  products { edges { node { name price { amount } stock { available } rating { average }
    reviews { nodes { title author { id } } } vendor { name } categories { name } } } }
  product(id: "p-1") { images { url } variants { sku } attributes { name } }
  categories { children { name } }
  cart(id: "c-1") { items { quantity } }
}"""
