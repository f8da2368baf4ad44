"""Which profile reads the users subgraph sends to a read replica, on the PostgreSQL test server.

The "replica" is a second database holding other preferences and addresses for the same
user, so each answer shows where it was read: a query's preferences from the replica;
addresses, and what a mutation reads, from the primary.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.testclient import TestClient

from datastores.settings import StoreSettings
from subgraphs.users.app import create_app, open_store
from subgraphs.users.store import Preferences, SqlProfileStore
from tests.support.sql import postgres_database_url
from tests.support.tokens import bearer, verifier

SUBJECT = "u-replica"
HEADERS = bearer(SUBJECT)
ADDRESS = {"label": "Home", "recipient": "Alice", "line1": "1 Main St", "line2": "", "city": "",
           "postal_code": "0150", "country": "NO"}  # fmt: skip


async def _profile(url: str, currency: str, city: str) -> None:
    store = SqlProfileStore(create_async_engine(url))
    await store.save_preferences(SUBJECT, Preferences(currency=currency))
    await store.add_address(SUBJECT, {**ADDRESS, "city": city})
    await store.close()


def _client(postgres_url: str, redis_url: str, *, with_replica: bool) -> Iterator[TestClient]:
    with (
        postgres_database_url(postgres_url) as primary,
        postgres_database_url(postgres_url) as replica,
    ):
        asyncio.run(_profile(primary, "NOK", "Oslo"))
        asyncio.run(_profile(replica, "SEK", "Stockholm"))
        stores = StoreSettings(postgres_url=primary,
                               postgres_replica_url=replica if with_replica else None)  # fmt: skip
        app = create_app(open_profiles=lambda: open_store(stores), redis_url=redis_url,
                         verifier=verifier())  # fmt: skip
        with TestClient(app) as client:
            yield client


@pytest.fixture
def client(postgres_url: str, redis_url: str) -> Iterator[TestClient]:
    yield from _client(postgres_url, redis_url, with_replica=True)


@pytest.fixture
def primary_only(postgres_url: str, redis_url: str) -> Iterator[TestClient]:
    yield from _client(postgres_url, redis_url, with_replica=False)


def post(client: TestClient, query: str, **variables: Any) -> Any:
    body = client.post("/graphql", json={"query": query, "variables": variables},
                       headers=HEADERS).json()  # fmt: skip
    assert "errors" not in body, body
    return body["data"]


ME = "{ me { preferences { currency } addresses { city } } }"
NEWSLETTER = "mutation { updatePreferences(input: {newsletter: true}) { currency newsletter } }"


def test_preferences_are_read_from_the_replica_addresses_from_the_primary(
    client: TestClient,
) -> None:
    assert post(client, ME) == {
        "me": {"preferences": {"currency": "SEK"}, "addresses": [{"city": "Oslo"}]}
    }


def test_a_mutation_reads_the_primary(client: TestClient) -> None:
    # The currency it keeps is the primary's; a replica's would overwrite it with a stale one.
    assert post(client, NEWSLETTER) == {
        "updatePreferences": {"currency": "NOK", "newsletter": True}
    }
    city = f"City {uuid.uuid4().hex[:4]}"
    added = post(client, "mutation ($input: AddressInput!) { addAddress(input: $input) { city } }",
                 input={"label": "Work", "recipient": "Alice", "line1": "2 Side St", "city": city,
                        "postalCode": "0150", "country": "NO"})  # fmt: skip
    assert added == {"addAddress": {"city": city}}
    assert [a["city"] for a in post(client, ME)["me"]["addresses"]] == ["Oslo", city]


def test_without_a_replica_preferences_are_read_from_the_primary(
    primary_only: TestClient,
) -> None:
    assert post(primary_only, ME)["me"]["preferences"] == {"currency": "NOK"}
