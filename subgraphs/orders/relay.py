"""Publishes the outbox to Redis streams: events of committed orders only, none lost.

An event row is written in the order's own transaction; this relay appends unpublished rows
to their stream (``orders:events``) and marks them published in one database transaction.
If Redis fails, nothing is marked and the rows are tried again; if the database fails after
Redis took the events, they are published again: delivery is at least once, and each event
carries its outbox id (``event_id``) for consumers to drop repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import orjson
from redis.asyncio import Redis

from subgraphs.orders.store import OrderStore, OutboxEvent

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, store: OrderStore, redis: Redis, *, batch_size: int = 100,
                 interval_seconds: float = 0.2) -> None:  # fmt: skip
        self.store = store
        self.redis = redis
        self.batch_size = batch_size
        self.interval = interval_seconds

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for event in events:
                pipe.xadd(event.stream, {
                    "type": event.event_type, "event_id": str(event.id),
                    "payload": orjson.dumps(event.payload).decode(),
                })  # fmt: skip
            await pipe.execute()

    async def drain(self) -> int:
        """Publish everything pending now; return how many events went out."""
        total = 0
        while published := await self.store.claim_outbox(self.batch_size, self.publish):
            total += published
        return total

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self.interval
        while not stop.is_set():
            try:
                await self.drain()
                backoff = self.interval
            except Exception:
                log.exception("publishing order events failed; retrying")
                backoff = min(backoff * 2, 10.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
