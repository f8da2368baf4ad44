"""The products subgraph over HTTP, on MongoDB (FerretDB) and Redis test servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from datastores.catalog_mongo import migrate_catalog
from subgraphs.common.events import CATALOG_STREAM
from subgraphs.products.app import create_app
from subgraphs.products.model import Category, Money, Product, Vendor
from subgraphs.products.mongo_store import MongoCatalogStore
from tests.support.tokens import ADMIN, CUSTOMER, VENDOR_1, VENDOR_2, verifier

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class FindCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.finds: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.finds.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class Subgraph:
    client: TestClient
    finds: FindCounter
    redis_url: str

    def post(self, query: str, headers: dict[str, str] | None = None,
             **variables: Any) -> dict[str, Any]:  # fmt: skip
        response = self.client.post("/graphql", json={"query": query, "variables": variables},
                                    headers=headers or {})  # fmt: skip
        body: dict[str, Any] = response.json()
        return body


def product(n: int) -> Product:
    return Product(
        id=f"p-{n:04d}", sku=f"SKU-{n:04d}", name=f"Kettle {n}", description="Boils water",
        brand="Acme", category_ids=["c-kitchen"], price=Money(1000 + n, "EUR"),
        vendor_id=f"v-{1 + n % 2}", created_at=NOW, updated_at=NOW, image_keys=[f"k/{n}.jpg"],
    )  # fmt: skip


@pytest.fixture
async def seeded(mongo_url: str) -> AsyncIterator[str]:
    """A seeded database of its own; yields its name."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    store = MongoCatalogStore(client, f"products_{uuid.uuid4().hex[:10]}")
    await migrate_catalog(store.db)
    await store.save_categories(
        [Category("c-home", "Home", "home"), Category("c-kitchen", "Kitchen", "kitchen", "c-home")]
    )
    await store.save_vendors([Vendor("v-1", "Acme Ltd"), Vendor("v-2", "Bolt GmbH")])
    for n in range(1, 121):
        await store.create_product(product(n))
    yield store.db.name
    await client.drop_database(store.db.name)
    await client.close()


@pytest.fixture
def subgraph(seeded: str, mongo_url: str, redis_url: str) -> Iterator[Subgraph]:
    finds = FindCounter()

    async def open_catalog() -> MongoCatalogStore:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongo_url, event_listeners=[finds]
        )
        return MongoCatalogStore(client, seeded)

    with SyncRedis.from_url(redis_url) as sync_redis:
        sync_redis.delete(CATALOG_STREAM)
    app = create_app(open_catalog=open_catalog, redis_url=redis_url, verifier=verifier())
    with TestClient(app) as client:
        yield Subgraph(client, finds, redis_url)


def events(redis_url: str) -> list[dict[str, str]]:
    with SyncRedis.from_url(redis_url, decode_responses=True) as redis:
        return [fields for _, fields in redis.xrange(CATALOG_STREAM)]


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_resolving_100_product_references_is_one_find(subgraph: Subgraph) -> None:
    representations = [{"__typename": "Product", "id": f"p-{n:04d}"} for n in range(1, 101)]
    subgraph.finds.finds.clear()
    body = subgraph.post(
        "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name } } }",
        r=representations,
    )
    assert [e["id"] for e in body["data"]["_entities"]] == [r["id"] for r in representations]
    product_finds = [f for f in subgraph.finds.finds if f["find"] == "products"]
    assert len(product_finds) == 1


def test_products_by_id_sku_filter_and_cursor(subgraph: Subgraph) -> None:
    by_sku = subgraph.post('{ product(sku: "SKU-0007") { id price { amount currency } } }')
    assert by_sku == {
        "data": {"product": {"id": "p-0007", "price": {"amount": 1007, "currency": "EUR"}}}
    }
    query = """query ($after: String) {
      products(filter: {vendorId: "v-1", minPrice: 1010}, first: 2, after: $after) {
        edges { node { id } } pageInfo { hasNextPage endCursor } totalCount } }"""
    first = subgraph.post(query)["data"]["products"]
    assert [e["node"]["id"] for e in first["edges"]] == ["p-0010", "p-0012"]
    assert first["totalCount"] == 56
    second = subgraph.post(query, after=first["pageInfo"]["endCursor"])["data"]["products"]
    assert [e["node"]["id"] for e in second["edges"]] == ["p-0014", "p-0016"]


def test_categories_vendors_images_and_ratings(subgraph: Subgraph) -> None:
    body = subgraph.post("""{
      categories { slug children { slug products(first: 1) { totalCount } } }
      product(id: "p-0001") { vendor { name } images { url(size: THUMBNAIL) }
        rating { count average } categories { name parent { name } } } }""")
    assert body["data"]["categories"] == [
        {"slug": "home", "children": [{"slug": "kitchen", "products": {"totalCount": 120}}]}
    ]
    found = body["data"]["product"]
    assert found["vendor"] == {"name": "Bolt GmbH"}
    assert found["images"] == [{"url": "https://cdn.shopgraph.local/images/w_120/k/1.jpg"}]
    assert found["rating"] == {"count": 0, "average": None}
    assert found["categories"] == [{"name": "Kitchen", "parent": {"name": "Home"}}]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ('{ products(after: "%%%") { totalCount } }', {}, "BAD_USER_INPUT"),
        ("{ products(first: -1) { totalCount } }", {}, "BAD_USER_INPUT"),
        ("{ products(first: 1000) { totalCount } }", {}, "BAD_USER_INPUT"),
        ('{ product(id: "p-0001", sku: "SKU-0001") { id } }', {}, "BAD_USER_INPUT"),
        ("{ products(filter: {minPrice: 5, maxPrice: 1}) { totalCount } }", {}, "BAD_USER_INPUT"),
    ],
)
def test_bad_input_gets_clear_errors(
    subgraph: Subgraph, query: str, variables: dict[str, Any], code: str
) -> None:
    body = subgraph.post(query, **variables)
    assert codes(body) == [code], body


def test_operator_injection_in_a_variable_is_a_validation_error(subgraph: Subgraph) -> None:
    body = subgraph.post("query ($id: ID!) { product(id: $id) { id } }", id={"$gt": ""})
    assert body["data"] is None
    assert "got invalid value" in body["errors"][0]["message"]


CREATE = """mutation ($input: CreateProductInput!) {
  createProduct(input: $input) { id sku vendor { name } } }"""


def new_product(**changes: Any) -> dict[str, Any]:
    return {"sku": "NEW-1", "name": "Teapot", "categoryIds": ["c-kitchen"],
            "price": {"amount": 1999, "currency": "EUR"}, "vendorId": "v-1", **changes}  # fmt: skip


def test_a_vendor_creates_its_own_products_and_each_write_is_an_event(subgraph: Subgraph) -> None:
    created = subgraph.post(CREATE, VENDOR_1, input=new_product())
    assert created["data"]["createProduct"]["vendor"] == {"name": "Acme Ltd"}
    product_id = created["data"]["createProduct"]["id"]
    priced = subgraph.post(
        """mutation ($id: ID!) {
          setProductPrice(id: $id, price: {amount: 2499, currency: "eur"}) {
            price { amount currency } }
        }""",
        VENDOR_1,
        id=product_id,
    )
    assert priced["data"]["setProductPrice"]["price"] == {"amount": 2499, "currency": "EUR"}
    assert [(e["product_id"], e["change"]) for e in events(subgraph.redis_url)] == [
        (product_id, "created"), (product_id, "price"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "variables", "code"),
    [
        ({}, new_product(), "UNAUTHENTICATED"),
        (CUSTOMER, new_product(), "FORBIDDEN"),
        (VENDOR_2, new_product(), "FORBIDDEN"),
        (ADMIN, new_product(sku="bad sku"), "BAD_USER_INPUT"),
        (ADMIN, new_product(sku="SKU-0001"), "DUPLICATE_SKU"),
        (ADMIN, new_product(price={"amount": -1, "currency": "EUR"}), "BAD_USER_INPUT"),
        (ADMIN, new_product(name=" "), "BAD_USER_INPUT"),
    ],
)
def test_catalog_writes_are_checked(
    subgraph: Subgraph, headers: dict[str, str], variables: dict[str, Any], code: str
) -> None:
    body = subgraph.post(CREATE, headers, input=variables)
    assert codes(body) == [code], body
    assert events(subgraph.redis_url) == []


def test_a_vendor_cannot_reprice_another_vendors_product(subgraph: Subgraph) -> None:
    body = subgraph.post(
        'mutation { setProductPrice(id: "p-0002", price: {amount: 1, currency: "EUR"}) { id } }',
        VENDOR_2,  # p-0002 belongs to v-1
    )
    assert codes(body) == ["FORBIDDEN"]


REVIEW = """mutation ($rating: Int!) {
  addReview(productId: "p-0003", rating: $rating, title: "Nice", body: "Works") {
    rating author { id } } }"""


def test_one_review_per_customer_and_product(subgraph: Subgraph) -> None:
    first = subgraph.post(REVIEW, CUSTOMER, rating=5)
    assert first["data"]["addReview"] == {"rating": 5, "author": {"id": "u-customer"}}
    assert codes(subgraph.post(REVIEW, CUSTOMER, rating=4)) == ["DUPLICATE_REVIEW"]
    assert codes(subgraph.post(REVIEW, CUSTOMER, rating=6)) == ["BAD_USER_INPUT"]
    assert codes(subgraph.post(REVIEW, {}, rating=3)) == ["UNAUTHENTICATED"]
    rating = subgraph.post('{ product(id: "p-0003") { rating { count average } } }')
    assert rating["data"]["product"]["rating"] == {"count": 1, "average": 5.0}


def test_a_forged_token_is_refused_with_401(subgraph: Subgraph) -> None:
    response = subgraph.client.post(
        "/graphql", json={"query": "{ categories { id } }"},
        headers={"authorization": "Bearer not.a.token"},
    )  # fmt: skip
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
