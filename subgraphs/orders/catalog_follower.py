"""Keeps the orders subgraph's prices and vendors in step with the catalog.

Orders are priced from the inventory rows, not from the caller; those rows follow the
catalog's ``CatalogChanged`` events in the consumer group ``orders-catalog`` (see
:mod:`subgraphs.common.streams`), so a price set in the products subgraph is the price the next
order pays. Every changed product's cached stock level is dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from redis.asyncio import Redis

from subgraphs.common.events import (
    CATALOG_STREAM,
    CatalogChanged,
    newest_by_product,
    parse_event,
)
from subgraphs.common.streams import Entry, StreamConsumer, stream_metrics
from subgraphs.orders.model import CatalogFacts
from subgraphs.orders.service import StockCache
from subgraphs.orders.store import OrderStore

GROUP = "orders-catalog"
DEAD_LETTER_STREAM = f"{CATALOG_STREAM}:dead"


stream_metrics("orders")  # on /metrics from the start, before the first entry


class CatalogFollower:
    def __init__(
        self, redis: Redis, store: OrderStore, *, consumer: str, stream: str = CATALOG_STREAM,
        dead_letter_stream: str = DEAD_LETTER_STREAM, block_ms: int = 1000,
    ) -> None:  # fmt: skip
        self.store = store
        self.cache = StockCache(redis)
        self.consumer = StreamConsumer(
            redis, self._follow, stream=stream, group=GROUP, consumer=consumer,
            dead_letter_stream=dead_letter_stream, block_ms=block_ms,
        )  # fmt: skip

    async def run(self, stop: asyncio.Event | None = None) -> None:
        await self.consumer.run(stop)

    async def _follow(self, entries: Sequence[Entry]) -> dict[str, str]:
        rejected: dict[str, str] = {}
        events: list[CatalogChanged] = []
        for entry_id, fields in entries:
            try:
                events.append(parse_event(entry_id, fields))
            except (ValueError, KeyError, TypeError) as error:
                rejected[entry_id] = f"{type(error).__name__}: {error}"
        facts = [
            CatalogFacts(s.id, s.vendor_id, s.price_amount, s.currency, s.revision)
            for event in newest_by_product(events).values() if (s := event.snapshot) is not None
        ]  # fmt: skip
        await self.store.follow_catalog(facts, datetime.now(UTC))
        await self.cache.invalidate([fact.product_id for fact in facts])
        return rejected
