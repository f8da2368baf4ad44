"""The users subgraph over HTTP, on the PostgreSQL and Redis test servers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.testclient import TestClient

from subgraphs.users.app import create_app
from subgraphs.users.store import SqlProfileStore
from tests.support.sql import postgres_database_url
from tests.support.tokens import ADMIN, VENDOR_1, bearer, verifier


@pytest.fixture
def client(postgres_url: str, redis_url: str) -> Iterator[TestClient]:
    with postgres_database_url(postgres_url) as url:

        async def open_profiles() -> SqlProfileStore:
            return SqlProfileStore(create_async_engine(url))

        app = create_app(open_profiles=open_profiles, redis_url=redis_url, verifier=verifier())
        with TestClient(app) as test_client:
            yield test_client


def post(client: TestClient, query: str, headers: dict[str, str] | None = None,
         **variables: Any) -> Any:  # fmt: skip
    return client.post("/graphql", json={"query": query, "variables": variables},
                       headers=headers or {}).json()  # fmt: skip


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def user() -> tuple[str, dict[str, str]]:
    subject = f"u-{uuid.uuid4().hex[:8]}"
    return subject, bearer(subject, name="Alice Example", emails=["alice@example.com"])


ADD = """mutation ($input: AddressInput!) { addAddress(input: $input) { id label country
  isDefault } }"""
ADDRESS = {"label": "Home", "recipient": "Alice", "line1": "1 Main St", "city": "Oslo",
           "postalCode": "0150", "country": "no"}  # fmt: skip


def test_me_comes_from_the_token(client: TestClient) -> None:
    subject, headers = user()
    body = post(client, "{ me { id name email preferences { language currency } } }", headers)
    me = body["data"]["me"]
    assert (me["id"], me["name"], me["email"]) == (subject, "Alice Example", "alice@example.com")
    assert me["preferences"] == {"language": "en", "currency": "EUR"}
    assert post(client, "{ me { id } }") == {"data": {"me": None}}


def test_profile_changes_are_validated_and_kept(client: TestClient) -> None:
    _, headers = user()
    prefs = """mutation ($i: PreferencesInput!) {
      updatePreferences(input: $i) { language currency newsletter } }"""
    assert post(client, prefs, headers, i={"language": "nb-NO", "currency": "nok"}) == {
        "data": {"updatePreferences": {"language": "nb-NO", "currency": "NOK", "newsletter": False}}
    }
    assert codes(post(client, prefs, headers, i={"currency": "BTC"})) == ["BAD_USER_INPUT"]
    assert codes(post(client, prefs, headers, i={"language": "klingon"})) == ["BAD_USER_INPUT"]
    assert codes(post(client, prefs, i={"newsletter": True})) == ["UNAUTHENTICATED"]
    added = post(client, ADD, headers, input=ADDRESS)["data"]["addAddress"]
    assert (added["country"], added["isDefault"]) == ("NO", True)
    assert codes(post(client, ADD, headers, input={**ADDRESS, "city": " "})) == ["BAD_USER_INPUT"]
    assert codes(post(client, ADD, headers, input={**ADDRESS, "country": "Norway"})) == [
        "BAD_USER_INPUT"
    ]
    assert codes(post(client, ADD, headers, input={**ADDRESS, "name": "x"})) == ["BAD_USER_INPUT"]


def test_a_profile_is_its_users_and_admins_only(client: TestClient) -> None:
    subject, headers = user()
    post(client, ADD, headers, input=ADDRESS)
    entities = """query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on User { id name addresses { label } } } }"""
    them = [{"__typename": "User", "id": subject}]
    other = post(client, entities, bearer("u-someone-else"), r=them)
    assert codes(other) == ["FORBIDDEN"]
    assert codes(post(client, entities, VENDOR_1, r=them)) == ["FORBIDDEN"]
    admin = post(client, entities, ADMIN, r=them)["data"]["_entities"][0]
    assert admin == {"id": subject, "name": None, "addresses": [{"label": "Home"}]}, (
        "admins see the profile; name and email exist only in the user's own token"
    )


def test_recently_viewed_products(client: TestClient) -> None:
    _, headers = user()
    record = "mutation ($p: ID!) { recordProductView(productId: $p) }"
    for product in ("p-1", "p-2", "p-1", "p-3"):
        assert post(client, record, headers, p=product) == {"data": {"recordProductView": True}}
    body = post(client, "{ me { recentlyViewed(first: 5) { id } } }", headers)
    assert [p["id"] for p in body["data"]["me"]["recentlyViewed"]] == ["p-3", "p-1", "p-2"]
    assert codes(post(client, "{ me { recentlyViewed(first: 0) { id } } }", headers)) == [
        "BAD_USER_INPUT"
    ]
    assert codes(post(client, record, p="p-1")) == ["UNAUTHENTICATED"]


def test_profile_scopes_are_checked_per_field(client: TestClient) -> None:
    subject, _ = user()
    read_only = bearer(subject, scp="profile.read")
    assert post(client, "{ me { addresses { id } } }", read_only) == {
        "data": {"me": {"addresses": []}}
    }
    assert codes(post(client, ADD, read_only, input=ADDRESS)) == ["FORBIDDEN"]
    orders_only = bearer(subject, scp="orders.read")
    body = post(client, "{ me { id preferences { language } } }", orders_only)
    assert codes(body) == ["FORBIDDEN"]
