"""Keeps the search index in step with the catalog by consuming ``CatalogChanged`` events.

The indexer reads the catalog stream in the consumer group ``search-indexer`` (see
:mod:`subgraphs.common.streams`: acknowledged only once indexed, resumed after a restart).
An event that can never be indexed (it does not parse, or the index refuses its document) goes
to ``catalog:changes:dead`` with the error; an index that can't be reached is retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from subgraphs.common.events import (
    CATALOG_STREAM,
    CatalogChanged,
    newest_by_product,
    parse_event,
)
from subgraphs.common.streams import Entry, StreamConsumer, stream_metrics
from subgraphs.search.index import SearchIndex

GROUP = "search-indexer"
DEAD_LETTER_STREAM = f"{CATALOG_STREAM}:dead"


stream_metrics("search")  # on /metrics from the start, before the first entry


@dataclass
class BatchReport:
    indexed: int = 0
    deleted: int = 0
    dead: int = 0


class CatalogIndexer:
    def __init__(
        self, redis: Redis, index: SearchIndex, *, consumer: str, stream: str = CATALOG_STREAM,
        group: str = GROUP, dead_letter_stream: str = DEAD_LETTER_STREAM, batch_size: int = 200,
        block_ms: int = 1000, claim_idle_ms: int = 60_000,
    ) -> None:  # fmt: skip
        self.index = index
        self.consumer = StreamConsumer(
            redis, self._index, stream=stream, group=group, consumer=consumer,
            dead_letter_stream=dead_letter_stream, batch_size=batch_size, block_ms=block_ms,
            claim_idle_ms=claim_idle_ms,
        )  # fmt: skip
        self._report = BatchReport()

    async def ensure_group(self) -> None:
        await self.consumer.ensure_group()

    async def recover(self) -> BatchReport:
        """Index what was read but not acknowledged (after a crash or restart)."""
        self._report = BatchReport()
        await self.consumer.recover()
        return self._report

    async def poll(self) -> BatchReport:
        """Wait up to ``block_ms`` for new events and index them."""
        self._report = BatchReport()
        await self.consumer.poll()
        return self._report

    async def run(self, stop: asyncio.Event | None = None) -> None:
        await self.consumer.run(stop)

    async def _index(self, entries: Sequence[Entry]) -> dict[str, str]:
        rejected: dict[str, str] = {}
        events: list[CatalogChanged] = []
        for entry_id, fields in entries:
            try:
                event = parse_event(entry_id, fields)
                if event.snapshot is None and event.change != "deleted":
                    raise ValueError(f"a {event.change!r} event without a product snapshot")
            except (ValueError, KeyError, TypeError) as error:
                rejected[entry_id] = f"{type(error).__name__}: {error}"
                continue
            events.append(event)
        # A product's newest snapshot wins; the others in the batch are superseded.
        latest = newest_by_product(events)
        deletions = [e.product_id for e in latest.values() if e.snapshot is None]
        documents = [e.snapshot for e in latest.values() if e.snapshot is not None]
        if deletions:
            await self.index.delete(deletions)
        refused = await self.index.index(documents) if documents else {}
        for event in latest.values():
            if event.product_id in refused:
                rejected[event.entry_id] = refused[event.product_id]
        self._report.indexed += len(documents) - len(refused)
        self._report.deleted += len(deletions)
        self._report.dead += len(rejected)
        return rejected
