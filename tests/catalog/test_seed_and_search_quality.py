"""``shopgraph seed`` and ``shopgraph search reindex`` on real and on embedded stores, and the
search quality on the demo catalog: each of 20 fixed queries finds its product in the top 3,
and the best rated products are ones with many good reviews, not one 5-star review.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from elasticsearch import AsyncElasticsearch
from pymongo import MongoClient

from datastores.embedded import sqlite_engine
from datastores.seed import build_catalog
from shopgraph.cli import main
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.fts_index import SqliteSearchIndex
from subgraphs.search.index import SearchIndex, SearchQuery, SortOrder
from tests.support.sql import postgres_database_url

# query -> the product it must find in the top 3 (the hand-written products of datastores.seed)
QUALITY = {
    "noise cancelling headphones": "p-0001",  # Aurora Noise-Cancelling Headphones
    "milk frother": "p-0002",  # Barista Espresso Machine (description only)
    "cast iron pan": "p-0003",  # Cast Iron Skillet 28 cm, among many frying pans
    "trail running shoes": "p-0004",  # Trailblazer Trail Running Shoes, among running shoes
    "two person tent": "p-0005",  # Stormproof Two-Person Tent, among tents
    "merino beanie": "p-0006",  # Merino Wool Beanie, among beanies
    "silk pillowcase": "p-0007",  # Silk Pillowcase
    "cordless vacuum": "p-0008",  # Cordless Stick Vacuum
    "sourdough bread": "p-0009",  # Sourdough Starter Kit (bread in the description)
    "ergonomic keyboard": "p-0010",  # Ergonomic Split Keyboard, among keyboards
    "solar power bank": "p-0011",  # Solar Power Bank 20000 mAh
    "bamboo chopping board": "p-0012",  # Bamboo Cutting Board ("chopping" in the description)
    "balance bike for toddlers": "p-0013",  # Kids Balance Bike (stemming: toddlers)
    "insulated bottle": "p-0014",  # Insulated Water Bottle 750 ml, among water bottles
    "vitamin c serum": "p-0015",  # Vitamin C Brightening Serum, among serums
    "foam roller": "p-0016",  # Foam Roller for Recovery
    "wooden railway": "p-0017",  # Wooden Train Set, among wooden train sets
    "waterproof hiking boots": "p-0018",  # Waterproof Hiking Boots, among hiking boots
    "video doorbell night vision": "p-0019",  # Smart Video Doorbell, among video doorbells
    "SG-00420": "p-0420",  # a SKU
}


@dataclass
class Seeded:
    env: dict[str, str]
    first_output: str


def invoke(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def production(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """The demo catalog seeded into FerretDB, Elasticsearch and PostgreSQL (once)."""
    with postgres_database_url(request.getfixturevalue("postgres_url")) as postgres:
        yield from _production(request, postgres, tmp_path_factory.mktemp("production"))


def _production(request: pytest.FixtureRequest, postgres: str, data_dir: Path) -> Iterator[Seeded]:
    mongo_url = request.getfixturevalue("mongo_url")
    elasticsearch_url = request.getfixturevalue("elasticsearch_url")
    suffix = uuid.uuid4().hex[:10]
    env = {
        "SHOPGRAPH_MONGO_URL": mongo_url,
        "SHOPGRAPH_MONGO_DATABASE": f"seed_{suffix}",
        "SHOPGRAPH_ELASTICSEARCH_URL": elasticsearch_url,
        "SHOPGRAPH_SEARCH_ALIAS": f"seed-{suffix}",
        "SHOPGRAPH_REDIS_URL": request.getfixturevalue("redis_url"),
        "SHOPGRAPH_POSTGRES_URL": postgres,
        "SHOPGRAPH_DATA_DIR": str(data_dir),  # nothing embedded may be used: it stays empty
    }
    yield Seeded(env, invoke(env, "seed"))
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_url)
    with client:
        client.drop_database(env["SHOPGRAPH_MONGO_DATABASE"])
    asyncio.run(_drop_indices(elasticsearch_url, env["SHOPGRAPH_SEARCH_ALIAS"]))


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    env = {"SHOPGRAPH_DATA_DIR": str(tmp_path_factory.mktemp("embedded"))}
    return Seeded(env, invoke(env, "seed"))


async def _drop_indices(url: str, alias: str) -> None:
    async with AsyncElasticsearch(url) as client:
        await client.indices.delete(index=f"{alias}-*")


def open_index(seeded: Seeded) -> SearchIndex:
    if "SHOPGRAPH_ELASTICSEARCH_URL" in seeded.env:
        client = AsyncElasticsearch(seeded.env["SHOPGRAPH_ELASTICSEARCH_URL"])
        return ElasticsearchSearchIndex(client, seeded.env["SHOPGRAPH_SEARCH_ALIAS"])
    return SqliteSearchIndex(sqlite_engine(Path(seeded.env["SHOPGRAPH_DATA_DIR"]) / "search.db"))


@pytest.fixture(params=["production", "embedded"])
def seeded(request: pytest.FixtureRequest) -> Seeded:
    value: Seeded = request.getfixturevalue(request.param)
    return value


def test_seed_loads_the_catalog_once(seeded: Seeded) -> None:
    assert "products: 2000 added, 0 already there; reviews: 4930 added" in seeded.first_output
    assert "search index: 2000 products; stock: 2000 products" in seeded.first_output
    assert "orders: 6 demo orders placed, 0 already there" in seeded.first_output
    again = invoke(seeded.env, "seed")
    assert "products: 0 added, 2000 already there; reviews: 0 added" in again
    assert "orders: 0 demo orders placed, 6 already there" in again


def test_search_quality_on_the_demo_catalog(seeded: Seeded) -> None:
    async def top3() -> dict[str, list[str]]:
        index = open_index(seeded)
        try:
            return {
                query: [h.product_id for h in (await index.search(SearchQuery(query))).hits[:3]]
                for query in QUALITY
            }
        finally:
            await index.close()

    results = asyncio.run(top3())
    misses = {q: results[q] for q, expected in QUALITY.items() if expected not in results[q]}
    assert misses == {}, f"expected product not in the top 3: {misses}"


def test_the_best_rated_demo_products_have_many_reviews(seeded: Seeded) -> None:
    catalog = build_catalog()
    reviews = {p.id: [r.rating for r in p.reviews] for p in catalog.products}
    perfect_once = [p for p, ratings in reviews.items() if ratings == [5]]
    assert perfect_once, "the demo catalog has single 5-star reviews to outrank"

    async def best() -> list[str]:
        index = open_index(seeded)
        try:
            page = await index.search(SearchQuery("", sort=SortOrder.RATING, first=10))
            return [h.product_id for h in page.hits]
        finally:
            await index.close()

    top = asyncio.run(best())
    assert all(len(reviews[p]) >= 5 for p in top), {p: reviews[p] for p in top}
    assert not set(top) & set(perfect_once)
    averages = [sum(reviews[p]) / len(reviews[p]) for p in top]
    assert min(averages) >= 4.3, "and they are well rated"


def test_reindex_rebuilds_behind_the_alias(seeded: Seeded) -> None:
    output = invoke(seeded.env, "search", "reindex")
    assert "search index rebuilt: 2000 products" in output

    async def check() -> None:
        index = open_index(seeded)
        try:
            assert (await index.search(SearchQuery(""))).total == 2000
            if isinstance(index, ElasticsearchSearchIndex):
                aliases = await index.client.indices.get_alias(name=index.alias)
                assert len(aliases) == 1, "the old index is gone"
        finally:
            await index.close()

    asyncio.run(check())
