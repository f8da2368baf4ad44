"""Forged and expired tokens against the whole router (our supergraph, edge authentication
against the real local identity provider), and the authorization directives: nothing refused
ever reaches a subgraph (none listens here: a fetch would show as a subgraph error)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from datastores.testservices.base import free_port
from router.auth.settings import AuthenticationSettings, JwtSettings
from router.http.app import create_app
from router.http.config import AuthorizationSettings, RouterConfig, SubgraphSettings
from tests.router.http.test_authentication import TOKENS
from tests.support.identity_server import ServedIdentityProvider, served_identity_provider

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schema" / "supergraph.graphql"
PLACE_ORDER = """mutation { placeOrder(input: {cartId: "c", idempotencyKey: "k",
  shipping: {recipient: "A", line1: "1 Road", city: "Town", postalCode: "1", country: "NL"},
  payment: {cardNumber: "4242424242424242"}}) { id } }"""


@pytest.fixture(scope="module")
def idp() -> Iterator[ServedIdentityProvider]:
    with served_identity_provider() as served:
        yield served


@pytest.fixture(scope="module")
def router(idp: ServedIdentityProvider) -> Iterator[TestClient]:
    nowhere = f"http://127.0.0.1:{free_port()}/graphql"
    config = RouterConfig(
        authentication=AuthenticationSettings(jwt=JwtSettings(
            discovery_url=idp.discovery_url, audiences=[idp.audience], policies=[idp.policy])),
        authorization=AuthorizationSettings(policy_hook="shopgraph.authorization:decide_policies"),
        subgraphs={name: SubgraphSettings(url=nowhere)
                   for name in ("products", "orders", "search", "users")},
    )  # fmt: skip
    with TestClient(create_app(config, supergraph_path=SUPERGRAPH)) as client:
        yield client


def post(router: TestClient, query: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = router.post("/graphql", json={"query": query}, headers=headers)
    return response.status_code, response.json()


def codes(body: Any) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize("variant", TOKENS)
def test_a_forged_or_broken_token_is_refused_at_the_edge(
    variant: str, router: TestClient, idp: ServedIdentityProvider
) -> None:
    make, _ = TOKENS[variant]
    status, body = post(router, "{ me { id } }", make(idp))
    assert (status, codes(body)) == (401, ["UNAUTHENTICATED"])


def test_anonymous_callers_get_null_for_what_needs_a_sign_in(router: TestClient) -> None:
    status, body = post(router, "{ me { id } }")
    assert status == 200
    assert body["data"] == {"me": None}
    assert codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]  # and no subgraph error: no fetch
    status, body = post(router, PLACE_ORDER)
    assert body["data"] is None
    assert codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]


def test_a_person_needs_the_scope_a_policy_names(
    router: TestClient, idp: ServedIdentityProvider
) -> None:
    _, body = post(router, PLACE_ORDER, idp.sign(scp="orders.read"))
    assert codes(body) == ["UNAUTHORIZED_FIELD_OR_TYPE"]
    _, body = post(router, PLACE_ORDER, idp.sign(scp="orders.read orders.write"))
    # Authorized: the router plans the fetch, and only then finds no subgraph listening.
    assert codes(body) == ["SUBREQUEST_HTTP_ERROR"]


async def test_an_application_token_acts_by_its_roles(
    router: TestClient, idp: ServedIdentityProvider
) -> None:
    _, body = post(router, PLACE_ORDER, await idp.app_token())
    assert codes(body) == ["SUBREQUEST_HTTP_ERROR"]
