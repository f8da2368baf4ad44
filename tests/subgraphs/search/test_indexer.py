"""The catalog indexer on a real Redis stream, into every search adapter."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import orjson
import pytest
from elasticsearch import AsyncElasticsearch
from elasticsearch import ConnectionError as ElasticsearchUnreachable
from redis.asyncio import Redis

from subgraphs.common.events import CatalogEvents
from subgraphs.search.es_index import ElasticsearchSearchIndex
from subgraphs.search.index import SearchIndex, SearchQuery
from subgraphs.search.indexer import CatalogIndexer
from tests.subgraphs.search.test_search_contract import CATALOG


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def stream() -> str:
    return f"catalog:test:{uuid.uuid4().hex[:10]}"


def indexer(redis: Redis, index: SearchIndex, stream: str, consumer: str = "c1",
            claim_idle_ms: int = 60_000) -> CatalogIndexer:  # fmt: skip
    return CatalogIndexer(
        redis,
        index,
        consumer=consumer,
        stream=stream,
        dead_letter_stream=f"{stream}:dead",
        claim_idle_ms=claim_idle_ms,
    )


async def dead_letters(redis: Redis, stream: str) -> list[dict[str, str]]:
    entries = await redis.xrange(f"{stream}:dead")
    return [{str(k): str(v) for k, v in (fields or {}).items()} for _, fields in entries or []]


async def found(index: SearchIndex, text: str) -> list[str]:
    return [h.product_id for h in (await index.search(SearchQuery(text))).hits]


async def pending(redis: Redis, stream: str) -> int:
    summary = await redis.xpending(stream, "search-indexer")
    return int(summary["pending"])


async def test_events_are_indexed_then_acknowledged(
    redis: Redis, search_index: SearchIndex, stream: str
) -> None:
    events = CatalogEvents(redis, stream=stream)
    worker = indexer(redis, search_index, stream)
    await worker.ensure_group()
    await events.product_changed(CATALOG[0], "created")
    await events.product_changed(replace(CATALOG[0], name="Copper Kettle"), "updated")
    await events.product_changed(CATALOG[2], "created")
    report = await worker.poll()
    assert (report.indexed, report.dead) == (2, 0), "the later event of p-0001 supersedes"
    assert await found(search_index, "copper") == ["p-0001"]
    assert await found(search_index, "grinder") == ["p-0003"]
    assert await pending(redis, stream) == 0
    assert (await worker.poll()).indexed == 0


async def test_of_two_snapshots_in_a_batch_the_higher_revision_is_indexed(
    redis: Redis, search_index: SearchIndex, stream: str
) -> None:
    events = CatalogEvents(redis, stream=stream)
    worker = indexer(redis, search_index, stream)
    await worker.ensure_group()
    await events.product_changed(replace(CATALOG[0], name="Copper Kettle", revision=5), "updated")
    await events.product_changed(replace(CATALOG[0], name="Brass Kettle", revision=4), "updated")
    report = await worker.poll()
    assert (report.indexed, report.dead) == (1, 0)
    assert await found(search_index, "copper") == ["p-0001"]
    assert await found(search_index, "brass") == []
    await events.product_changed(replace(CATALOG[0], name="Brass Kettle", revision=4), "updated")
    assert ((await worker.poll()).dead, await pending(redis, stream)) == (0, 0)
    assert await found(search_index, "brass") == [], "nor in a later batch"


async def test_a_poison_event_goes_to_the_dead_letter_stream(
    redis: Redis, search_index: SearchIndex, stream: str
) -> None:
    worker = indexer(redis, search_index, stream)
    await worker.ensure_group()
    await redis.xadd(stream, {"type": "CatalogChanged", "product_id": "p-1", "change": "updated",
                              "snapshot": "{not json"})  # fmt: skip
    await redis.xadd(stream, {"type": "Gossip"})
    await redis.xadd(stream, {"type": "CatalogChanged", "product_id": "p-2", "change": "created"})
    await CatalogEvents(redis, stream=stream).product_changed(CATALOG[3], "created")
    report = await worker.poll()
    assert (report.indexed, report.dead) == (1, 3)
    assert await found(search_index, "knife") == ["p-0004"]
    assert await pending(redis, stream) == 0, "dead-lettered events are acknowledged"
    dead = await dead_letters(redis, stream)
    assert [orjson.loads(d["event"]).get("product_id") for d in dead] == ["p-1", None, "p-2"]
    assert "JSONDecodeError" in dead[0]["error"]
    assert "not a CatalogChanged event: 'Gossip'" in dead[1]["error"]
    assert "without a product snapshot" in dead[2]["error"]
    assert {d["stream"] for d in dead} == {stream}


async def test_a_restart_resumes_with_what_was_read_but_not_indexed(
    redis: Redis, search_index: SearchIndex, stream: str
) -> None:
    events = CatalogEvents(redis, stream=stream)
    unreachable = ElasticsearchSearchIndex(
        AsyncElasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=2), "products"
    )
    crashed = indexer(redis, unreachable, stream, consumer="c1")
    await crashed.ensure_group()
    for document in CATALOG[:3]:
        await events.product_changed(document, "created")
    with pytest.raises(ElasticsearchUnreachable):
        await crashed.poll()
    await unreachable.close()
    assert await pending(redis, stream) == 3, "nothing is acknowledged when indexing fails"

    restarted = indexer(redis, search_index, stream, consumer="c1")
    assert (await restarted.recover()).indexed == 3
    assert sorted(await found(search_index, "")) == ["p-0001", "p-0002", "p-0003"]
    assert await pending(redis, stream) == 0


async def test_another_consumer_claims_entries_left_idle(
    redis: Redis, search_index: SearchIndex, stream: str
) -> None:
    events = CatalogEvents(redis, stream=stream)
    gone = indexer(redis, search_index, stream, consumer="gone")
    await gone.ensure_group()
    await events.product_changed(CATALOG[4], "created")
    await redis.xreadgroup("search-indexer", "gone", {stream: ">"})  # read, never acknowledged
    other = indexer(redis, search_index, stream, consumer="other", claim_idle_ms=0)
    assert (await other.recover()).indexed == 1
    assert await found(search_index, "hose") == ["p-0005"]
    assert await pending(redis, stream) == 0


async def test_a_document_the_index_refuses_is_dead_lettered(
    redis: Redis, elasticsearch_url: str, stream: str
) -> None:
    index = ElasticsearchSearchIndex(AsyncElasticsearch(elasticsearch_url), f"p-{stream[-10:]}")
    await index.ensure_index()
    try:
        worker = indexer(redis, index, stream)
        await worker.ensure_group()
        events = CatalogEvents(redis, stream=stream)
        await events.product_changed(replace(CATALOG[0], created_at="last tuesday"), "created")
        await events.product_changed(CATALOG[1], "created")
        report = await worker.poll()
        assert (report.indexed, report.dead) == (1, 1)
        [dead] = await dead_letters(redis, stream)
        assert "document_parsing_exception" in dead["error"]
        assert await pending(redis, stream) == 0
    finally:
        await index.client.indices.delete(index=f"{index.alias}-*")
        await index.close()


async def test_the_running_indexer_makes_a_change_searchable_within_a_second(
    redis: Redis, search_index: SearchIndex, stream: str
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(indexer(redis, search_index, stream).run(stop))
    try:
        await asyncio.sleep(0.2)  # the group exists and the indexer waits for events
        started = time.monotonic()
        await CatalogEvents(redis, stream=stream).product_changed(CATALOG[5], "created")
        while not await found(search_index, "descaler"):
            assert time.monotonic() - started < 1.0, "not searchable within a second"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
