"""The products subgraph on its embedded stores (what ``shopgraph dev`` runs)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, insert
from starlette.testclient import TestClient

from datastores.embedded import sqlite_engine
from subgraphs.products.app import create_app
from subgraphs.products.sql_store import SqlCatalogStore, products
from subgraphs.products.store import ProductChanges
from tests.support.tokens import ADMIN, verifier

NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_products_subgraph_runs_on_sqlite_and_fakeredis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MONGO_URL", "REDIS_URL", "POSTGRES_URL", "ELASTICSEARCH_URL"):
        monkeypatch.delenv(f"SHOPGRAPH_{name}", raising=False)
    monkeypatch.setenv("SHOPGRAPH_DATA_DIR", str(tmp_path))
    with TestClient(create_app(verifier=verifier())) as client:
        created = client.post(
            "/graphql",
            headers=ADMIN,
            json={
                "query": """mutation { createProduct(input: {sku: "E-1", name: "Mug",
                categoryIds: [], price: {amount: 500, currency: "EUR"}, vendorId: "v-1"}) {
                  id } }"""
            },
        ).json()
        product_id = created["data"]["createProduct"]["id"]
        found = client.post(
            "/graphql", json={"query": f'{{ product(id: "{product_id}") {{ sku name }} }}'}
        ).json()
    assert found == {"data": {"product": {"sku": "E-1", "name": "Mug"}}}
    assert (tmp_path / "catalog.db").exists()


async def test_a_catalog_made_before_revisions_gets_the_column(tmp_path: Path) -> None:
    """A dev data directory from an earlier version: its products start at revision 0 and
    count up from there."""
    engine = sqlite_engine(tmp_path / "catalog.db")
    old = MetaData()
    Table("catalog_products", old, *(
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in products.columns if c.name != "revision"
    ))  # fmt: skip
    async with engine.begin() as conn:
        await conn.run_sync(old.create_all)
        await conn.execute(insert(old.tables["catalog_products"]).values(
            id="p-0001", sku="SKU-0001", name="Old", description="", brand="", vendor_id="v-1",
            price_amount=100, price_currency="EUR", rating_count=0, rating_total=0,
            details={"variants": [], "attributes": {}, "image_keys": []},
            created_at=NEW_YEAR, updated_at=NEW_YEAR,
        ))  # fmt: skip
    store = SqlCatalogStore(engine)
    try:
        await store.create_tables()
        [found] = await store.products_by_ids(["p-0001"])
        assert found is not None
        assert found.revision == 0
        changed = await store.update_product("p-0001", ProductChanges(name="New"))
        assert (changed.name, changed.revision) == ("New", 1)
    finally:
        await store.close()
