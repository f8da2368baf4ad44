"""The search subgraph's Elasticsearch client takes several nodes from
``SHOPGRAPH_ELASTICSEARCH_URL`` and retries on another one when a node cannot be reached: with a
closed port listed first, the index is created, written and searched, and the service is ready.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from datastores.settings import StoreSettings
from datastores.testservices.base import free_port
from subgraphs.common.events import ProductSnapshot
from subgraphs.common.health import elasticsearch_check
from subgraphs.search.app import open_index
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.index import SearchQuery
from subgraphs.search.settings import SearchSettings

LAMP = ProductSnapshot(
    id="p-lamp", sku="LAMP-1", name="Brass reading lamp", description="A lamp for reading.",
    brand="Lumen", category_ids=["c-home"], vendor_id="v-1", price_amount=4900, currency="EUR",
    rating=None, created_at="2026-01-01T00:00:00Z",
)  # fmt: skip


def test_several_nodes_are_listed_with_commas_and_sniffing_is_off() -> None:
    stores = StoreSettings(elasticsearch_url=" http://es-0:9200, http://es-1:9200 ,")
    assert stores.elasticsearch_hosts() == ["http://es-0:9200", "http://es-1:9200"]
    options = stores.elasticsearch_client_options()
    assert (options["sniff_on_start"], options["sniff_on_node_failure"]) == (False, False)
    assert StoreSettings(elasticsearch_url="").elasticsearch_hosts() == []
    with pytest.raises(ValueError, match="lists no node"):
        StoreSettings(elasticsearch_url=" , ")


@pytest.mark.elasticsearch
async def test_a_search_answers_with_a_dead_node_listed_first(elasticsearch_url: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    alias = f"t-{uuid.uuid4().hex[:12]}"
    stores = StoreSettings(elasticsearch_url=f"{dead},{elasticsearch_url}")
    index = await open_index(stores, SearchSettings(search_alias=alias))
    assert isinstance(index, ElasticsearchSearchIndex)
    client: Any = index.client
    try:
        nodes = {str(node.base_url) for node in client.transport.node_pool.all()}
        assert nodes == {dead, elasticsearch_url.rstrip("/")}
        await index.index([LAMP])
        for _ in range(4):  # round the nodes more than once: each search still answers
            result = await index.search(SearchQuery(text="lamp"))
            assert [hit.product_id for hit in result.hits] == ["p-lamp"]
        await elasticsearch_check(index.client).probe()
    finally:
        await index.client.indices.delete(index=f"{alias}-*")
        await index.close()
