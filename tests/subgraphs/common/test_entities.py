"""Bad ``_entities`` representations, over HTTP, on every subgraph: products, orders and users
(strawberry) on their real stores, search (ariadne) on its embedded index, which ``_entities``
never reads. Each bad representation gets a ``BAD_USER_INPUT`` error at its own place, the good
ones beside it in the same call are resolved, and the log has one line and no traceback. Then
the checking on its own, for the key shapes our subgraphs do not use (nested, lists, enums,
``@requires``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError, build_schema, parse
from pymongo import AsyncMongoClient, MongoClient
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.testclient import TestClient

from datastores.catalog_mongo import migrate_catalog
from datastores.embedded import sqlite_engine
from subgraphs.common.entities import RepresentationChecker, entity_shapes
from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.store import SqlOrderStore
from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.model import Money, Product
from subgraphs.products.mongo_store import MongoCatalogStore
from subgraphs.search.app import create_app as create_search_app
from subgraphs.search.fts_index import SqliteSearchIndex
from subgraphs.search.settings import SearchSettings
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.store import SqlProfileStore
from tests.support.sql import postgres_database_url
from tests.support.tokens import verifier

ENTITIES = "query ($r: [_Any!]!) { _entities(representations: $r) { __typename %s } }"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Subgraph:
    client: TestClient
    typename: str
    """An entity type it resolves, keyed by ``id``."""
    selection: str
    missing_key: str
    """What it says of a representation with no key field."""

    def entities(self, representations: list[Any]) -> dict[str, Any]:
        query = ENTITIES % f"... on {self.typename} {{ {self.selection} }}"
        variables = {"r": representations}
        response = self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@contextmanager
def products(request: pytest.FixtureRequest, _: Path) -> Iterator[Subgraph]:
    mongo_url = request.getfixturevalue("mongo_url")
    database = f"entities_{uuid.uuid4().hex[:10]}"

    async def open_catalog() -> MongoCatalogStore:
        store = MongoCatalogStore(AsyncMongoClient(mongo_url), database)
        await migrate_catalog(store.db)
        for id in ("p-1", "p-2", "7"):
            await store.create_product(Product(
                id=id, sku=f"SKU-{id}", name=f"Kettle {id}", description="Boils water",
                brand="Acme", category_ids=[], price=Money(1000, "EUR"), vendor_id="v-1",
                created_at=NOW, updated_at=NOW, image_keys=[],
            ))  # fmt: skip
        return store

    app = create_products_app(open_catalog=open_catalog, redis_url=request.getfixturevalue(
        "redis_url"), verifier=verifier())  # fmt: skip
    try:
        with TestClient(app) as client:
            yield Subgraph(client, "Product", "id name", 'has no complete key: "id" or "sku"')
    finally:
        cleanup: MongoClient[dict[str, Any]]
        with MongoClient(mongo_url) as cleanup:
            cleanup.drop_database(database)


@contextmanager
def orders(request: pytest.FixtureRequest, _: Path) -> Iterator[Subgraph]:
    with postgres_database_url(request.getfixturevalue("postgres_url")) as url:

        async def open_orders() -> SqlOrderStore:
            return SqlOrderStore(create_async_engine(url))

        app = create_orders_app(open_orders=open_orders, verifier=verifier(), run_relay=False,
                                redis_url=request.getfixturevalue("redis_url"),
                                follow_catalog=False)  # fmt: skip
        with TestClient(app) as client:
            yield Subgraph(client, "Product", "id stock { available }", 'has no key field "id"')


@contextmanager
def users(request: pytest.FixtureRequest, _: Path) -> Iterator[Subgraph]:
    with postgres_database_url(request.getfixturevalue("postgres_url")) as url:

        async def open_profiles() -> SqlProfileStore:
            return SqlProfileStore(create_async_engine(url))

        app = create_users_app(open_profiles=open_profiles, verifier=verifier(),
                               redis_url=request.getfixturevalue("redis_url"))  # fmt: skip
        with TestClient(app) as client:
            yield Subgraph(client, "User", "id", 'has no key field "id"')


@contextmanager
def search(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subgraph]:
    async def open_search() -> SqliteSearchIndex:
        index = SqliteSearchIndex(sqlite_engine(tmp_path / "search.db"))
        await index.ensure_index()
        return index

    app = create_search_app(open_search=open_search, verifier=verifier(),
                            redis_url=request.getfixturevalue("redis_url"),
                            settings=SearchSettings(search_run_indexer=False))  # fmt: skip
    with TestClient(app) as client:
        yield Subgraph(client, "Product", "id", 'has no key field "id"')


SUBGRAPHS: dict[str, Callable[[pytest.FixtureRequest, Path], AbstractContextManager[Subgraph]]]
SUBGRAPHS = {"products": products, "orders": orders, "users": users, "search": search}


@pytest.fixture(params=list(SUBGRAPHS))
def subgraph(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subgraph]:
    with SUBGRAPHS[request.param](request, tmp_path) as served:
        yield served


def good(subgraph: Subgraph, n: int) -> dict[str, Any]:
    return {"__typename": subgraph.typename, "id": f"{subgraph.typename[0].lower()}-{n}"}


# (name, the bad representation given a type name, the message after "representation 1 ")
BAD: list[tuple[str, Callable[[str], Any], str]] = [
    ("not an object", lambda t: f"{t}:p-1", "is not an object"),
    ("a list", lambda t: [t, "p-1"], "is not an object"),
    ("no typename", lambda t: {"id": "p-1"}, 'has no "__typename"'),
    ("a typename that is no string", lambda t: {"__typename": 7, "id": "p-1"},
     'has a "__typename" that is not a string'),
    ("an unknown typename", lambda t: {"__typename": "Order2", "id": "p-1"},
     'names "Order2", which is not an entity type of this subgraph'),
    ("no key field", lambda t: {"__typename": t}, "of {t} {missing_key}"),
    ("a key that is an object", lambda t: {"__typename": t, "id": {"$gt": ""}},
     """of {t} has key field "id" of the wrong type: ID cannot represent value: {{'$gt': ''}}"""),
    ("a key that is a boolean", lambda t: {"__typename": t, "id": True},
     'of {t} has key field "id" of the wrong type: ID cannot represent value: True'),
    ("a null key", lambda t: {"__typename": t, "id": None},
     'of {t} has key field "id" set to null'),
    ("an unexpected field", lambda t: {"__typename": t, "id": "p-1", "price": 5},
     'of {t} has unexpected field "price"'),
    ("unexpected fields", lambda t: {"__typename": t, "id": "p-1", "b": 1, "a": 2},
     'of {t} has unexpected fields "a", "b"'),
]  # fmt: skip


@pytest.mark.parametrize(("case", "representation", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_representation_is_refused_in_its_place(
    subgraph: Subgraph, case: str, representation: Callable[[str], Any], message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    first, last = good(subgraph, 1), good(subgraph, 2)
    body = subgraph.entities([first, representation(subgraph.typename), last])
    expected = "representation 1 " + message.format(t=subgraph.typename,
                                                     missing_key=subgraph.missing_key)  # fmt: skip
    assert body["errors"] == [{
        "message": expected, "locations": [{"line": 1, "column": 24}],
        "path": ["_entities", 1], "extensions": {"code": "BAD_USER_INPUT"},
    }], case  # fmt: skip
    entities = body["data"]["_entities"]
    assert entities[1] is None
    assert [e["id"] for e in (entities[0], entities[2])] == [first["id"], last["id"]]
    assert [r for r in caplog.records if r.exc_info] == [], "no traceback"
    assert len([r for r in caplog.records if expected in r.getMessage()]) <= 1


def test_good_representations_resolve_with_their_keys_coerced(subgraph: Subgraph) -> None:
    body = subgraph.entities([good(subgraph, 1), {"__typename": subgraph.typename, "id": 7}])
    assert "errors" not in body, body
    ids = [entity["id"] for entity in body["data"]["_entities"]]
    assert ids == [good(subgraph, 1)["id"], "7"]


def test_every_representation_may_be_bad(subgraph: Subgraph) -> None:
    body = subgraph.entities(["x", {"__typename": subgraph.typename}])
    assert body["data"] == {"_entities": [None, None]}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["_entities", 0], "BAD_USER_INPUT"), (["_entities", 1], "BAD_USER_INPUT"),
    ]  # fmt: skip


SHAPES_SDL = """
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT
directive @requires(fields: String!) on FIELD_DEFINITION
directive @external on FIELD_DEFINITION
enum Region { EU US }
type Org { id: ID! region: Region! }
type Shipment @key(fields: "id org { id region }") @key(fields: "tracking") {
  id: ID!
  org: Org!
  tracking: [Int!]!
  weight: Int @external
  cost: Int @requires(fields: "weight")
}
type Query { shipment: Shipment }
"""


@pytest.mark.parametrize(("representation", "outcome"), [
    ({"__typename": "Shipment", "id": 1, "org": {"id": "o-1", "region": "EU"}},
     {"__typename": "Shipment", "id": "1", "org": {"id": "o-1", "region": "EU"}}),
    ({"__typename": "Shipment", "tracking": [1, 2], "weight": 7},
     {"__typename": "Shipment", "tracking": [1, 2], "weight": 7}),
    ({"__typename": "Shipment", "id": "s-1", "org": {"id": "o-1"}},
     'representation 0 of Shipment has no complete key: "id org { id region }" or "tracking"'),
    ({"__typename": "Shipment", "id": "s-1", "org": {"id": "o-1", "region": "ASIA"}},
     'representation 0 of Shipment has key field "org.region" of the wrong type: '
     "Value 'ASIA' does not exist in 'Region' enum."),
    ({"__typename": "Shipment", "id": "s-1", "org": "o-1"},
     'representation 0 of Shipment has key field "org" that is not an object'),
    ({"__typename": "Shipment", "tracking": 5},
     'representation 0 of Shipment has key field "tracking" that is not a list'),
    ({"__typename": "Shipment", "tracking": ["five"]},
     'representation 0 of Shipment has key field "tracking" of the wrong type: '
     "Int cannot represent non-integer value: 'five'"),
    ({"__typename": "Shipment", "tracking": [1], "cost": 3},
     'representation 0 of Shipment has unexpected field "cost"'),
    ({"__typename": "Org", "id": "o-1"},
     'representation 0 names "Org", which is not an entity type of this subgraph'),
])  # fmt: skip
def test_nested_and_list_keys_and_required_fields(representation: Any, outcome: Any) -> None:
    """The shapes come from any SDL: keys with nested selections, lists, enums, @requires."""
    checker = RepresentationChecker(entity_shapes(parse(SHAPES_SDL), build_schema(SHAPES_SDL)))
    checked = checker.check(0, representation)
    if isinstance(outcome, str):
        assert isinstance(checked, GraphQLError)
        assert (checked.message, checked.extensions) == (outcome, {"code": "BAD_USER_INPUT"})
    else:
        assert checked == outcome
