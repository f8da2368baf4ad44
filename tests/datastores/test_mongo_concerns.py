"""MongoDB read preference and write concern come from ``StoreSettings``: checked when read,
mapped to PyMongo's options, carried by the products subgraph's client and its collections,
and sent with each write to the test server (FerretDB), which accepts them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError
from pymongo import AsyncMongoClient, ReadPreference, WriteConcern
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from datastores.settings import StoreSettings
from subgraphs.products.app import open_store
from subgraphs.products.mongo_store import MongoCatalogStore


def test_the_defaults_read_from_the_primary_and_leave_the_write_concern_to_the_server() -> None:
    options = StoreSettings().mongo_client_options()
    assert options["readPreference"] == "primary"
    assert not {"w", "journal"} & options.keys()


def test_the_settings_map_to_pymongo_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPGRAPH_MONGO_READ_PREFERENCE", "secondaryPreferred")
    monkeypatch.setenv("SHOPGRAPH_MONGO_WRITE_CONCERN_W", "majority")
    monkeypatch.setenv("SHOPGRAPH_MONGO_WRITE_CONCERN_J", "true")
    options = StoreSettings().mongo_client_options()
    assert (options["readPreference"], options["w"], options["journal"]) == (
        "secondaryPreferred", "majority", True
    )  # fmt: skip
    monkeypatch.setenv("SHOPGRAPH_MONGO_WRITE_CONCERN_W", "2")
    assert StoreSettings().mongo_client_options()["w"] == 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"mongo_read_preference": "secondry"}, "'primary', 'primaryPreferred', 'secondary'"),
        ({"mongo_write_concern_w": "most"}, "Input should be 'majority'"),
        ({"mongo_write_concern_w": -1}, "greater than or equal to 0"),
        ({"mongo_write_concern_w": 0, "mongo_write_concern_j": True}, "cannot be combined"),
    ],
)
def test_bad_values_are_refused_with_what_is_allowed(settings: dict[str, Any],
                                                      message: str) -> None:  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        StoreSettings(**settings)


class Writes(CommandListener):
    def __init__(self) -> None:
        self.concerns: list[Any] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "insert":
            self.concerns.append(event.command.get("writeConcern"))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


@pytest.mark.mongo
async def test_the_products_client_carries_them_to_the_server(mongo_url: str) -> None:
    stores = StoreSettings(
        mongo_url=mongo_url, mongo_database=f"t_{uuid.uuid4().hex[:12]}",
        mongo_read_preference="primaryPreferred", mongo_write_concern_w=1,
        mongo_write_concern_j=True,
    )  # fmt: skip
    store = await open_store(stores)
    assert isinstance(store, MongoCatalogStore)
    try:
        assert store.db.products.read_preference == ReadPreference.PRIMARY_PREFERRED
        assert store.db.products.write_concern == WriteConcern(w=1, j=True)
        # What a write decides on is read from the primary, whatever the read preference.
        assert store._primary_products.read_preference == ReadPreference.PRIMARY
    finally:
        await store.client.drop_database(store.db.name)
        await store.close()

    writes = Writes()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_url, event_listeners=[writes], **stores.mongo_client_options()
    )
    db = client[stores.mongo_database]
    try:
        await db.concerns.insert_one({"_id": "one"})
        assert await db.concerns.find_one({"_id": "one"}) == {"_id": "one"}
        assert writes.concerns == [{"w": 1, "j": True}]
    finally:
        await client.drop_database(stores.mongo_database)
        await client.close()
