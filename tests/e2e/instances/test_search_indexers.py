"""Two search subgraph instances indexing the catalog stream in one consumer group: each event
is indexed by one of them, the events a crashed indexer read but never acknowledged are taken
over, a product's snapshots arriving out of order leave its newest indexed, and when one
instance is killed the other indexes everything that follows."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path

import httpx
import redis
from redis.asyncio import Redis

from subgraphs.common.events import CATALOG_STREAM, CatalogEvents, ProductSnapshot
from subgraphs.search.indexer import GROUP
from tests.support.processes import emptied_redis, running

REDIS_DB = 10
PROCESSED = re.compile(
    r'^shopgraph_stream_processed_entries_total\{[^}]*stream="catalog:changes"[^}]*\} (\S+)$',
    re.MULTILINE,
)


def test_two_indexers_share_the_stream_and_take_over_a_crashed_one_s_events(
    elasticsearch_url: str, redis_url: str, tmp_path: Path
) -> None:
    stream_url = emptied_redis(redis_url, REDIS_DB)
    client = redis.Redis.from_url(stream_url, decode_responses=True)
    alias = f"instances-{uuid.uuid4().hex[:8]}"
    # An indexer that read 20 events and crashed before acknowledging any of them.
    asyncio.run(_append(stream_url, "crashed", 20))
    client.xgroup_create(CATALOG_STREAM, GROUP, id="0", mkstream=True)
    client.xreadgroup(GROUP, "indexer-crashed", {CATALOG_STREAM: ">"}, count=20)
    env = {"SHOPGRAPH_ELASTICSEARCH_URL": elasticsearch_url, "SHOPGRAPH_SEARCH_ALIAS": alias,
           "SHOPGRAPH_REDIS_URL": stream_url,
           "SHOPGRAPH_SEARCH_INDEXER_CLAIM_IDLE_SECONDS": "1"}  # fmt: skip
    with (
        running(["subgraph", "search"], {**env, "SHOPGRAPH_SEARCH_INDEXER_CONSUMER": "indexer-a"},
                tmp_path / "search-a.log") as first,
        running(["subgraph", "search"], {**env, "SHOPGRAPH_SEARCH_INDEXER_CONSUMER": "indexer-b"},
                tmp_path / "search-b.log") as second,
    ):  # fmt: skip
        asyncio.run(_append(stream_url, "shared", 200, pause=0.02))
        _wait_indexed(elasticsearch_url, alias, 220)
        _wait_acknowledged(client)
        counts = [_processed(first.url), _processed(second.url)]
        assert sum(counts) == 220, f"each event indexed once: {counts}"
        assert min(counts) > 0, f"both indexers took a share: {counts}"

        # 60 revisions of one product, in shuffled order (as racing producers can send them),
        # across both indexers: the index ends with the newest, at its revision.
        asyncio.run(_shuffled_revisions(stream_url, "p-race", 60))
        _wait_acknowledged(client)
        raced = httpx.get(f"{elasticsearch_url}/{alias}/_doc/p-race", timeout=10).json()
        assert (raced["_source"]["name"], raced["_version"]) == ("Lantern revision 60", 60)
        counts = [_processed(first.url), _processed(second.url)]

        first.kill()
        asyncio.run(_append(stream_url, "after", 50, pause=0.01))
        _wait_indexed(elasticsearch_url, alias, 271)
        _wait_acknowledged(client)
        assert _processed(second.url) == counts[1] + 50
    client.close()


def _lantern(product_id: str, name: str, revision: int = 1) -> ProductSnapshot:
    return ProductSnapshot(
        id=product_id, sku=f"SKU-{product_id}", name=name, description="A lantern for the trail",
        brand="Lumen", category_ids=["c-camping"], vendor_id="v-01", price_amount=1999,
        currency="EUR", rating=4.5, created_at="2026-01-01T00:00:00+00:00",
        categories=["Camping"], rating_count=2, revision=revision,
    )  # fmt: skip


async def _append(url: str, prefix: str, count: int, pause: float = 0.0) -> None:
    redis_client = Redis.from_url(url)
    events = CatalogEvents(redis_client)
    for n in range(count):
        product = _lantern(f"p-{prefix}-{n:04d}", f"Lantern {prefix} {n}")
        await events.product_changed(product, "created")
        if pause:
            await asyncio.sleep(pause)
    await redis_client.aclose()


async def _shuffled_revisions(url: str, product_id: str, count: int) -> None:
    redis_client = Redis.from_url(url)
    events = CatalogEvents(redis_client)
    # A fixed shuffle (37 is prime to 60) in which the newest, 60, comes first.
    revisions = sorted(range(1, count + 1), key=lambda revision: revision * 37 % count)
    for revision in revisions:
        product = _lantern(product_id, f"Lantern revision {revision}", revision)
        await events.product_changed(product, "updated")
        await asyncio.sleep(0.01)
    await redis_client.aclose()


def _wait_indexed(elasticsearch_url: str, alias: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    found = -1
    while time.monotonic() < deadline:
        httpx.post(f"{elasticsearch_url}/{alias}/_refresh", timeout=10)
        found = httpx.get(f"{elasticsearch_url}/{alias}/_count", timeout=10).json()["count"]
        if found >= count:
            assert found == count
            return
        time.sleep(0.3)
    raise AssertionError(f"{found} of {count} products indexed")


def _wait_acknowledged(client: redis.Redis, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.xpending(CATALOG_STREAM, GROUP)["pending"] == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"still pending: {client.xpending(CATALOG_STREAM, GROUP)}")


def _processed(url: str) -> int:
    text = httpx.get(url + "/metrics", timeout=5).text
    return sum(int(float(value)) for value in PROCESSED.findall(text))
