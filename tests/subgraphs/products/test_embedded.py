"""The products subgraph on its embedded stores (what ``shopgraph dev`` runs)."""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from subgraphs.products.app import create_app
from tests.support.tokens import ADMIN, verifier


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
