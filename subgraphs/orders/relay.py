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
import time
from collections.abc import Sequence
from typing import Any

import orjson
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis

from observability.metrics import service_registry
from observability.tracing import inject, producer_span
from subgraphs.orders.store import OrderStore, OutboxEvent

log = logging.getLogger(__name__)

BACKLOG_EVERY_SECONDS = 5.0
"""How often the unpublished events are counted when there is nothing to publish."""
OUTBOX_BACKLOG = Gauge(
    "shopgraph_orders_outbox_backlog_events",
    "Order events written but not yet published to their stream.",
    registry=service_registry("orders"),
)
OUTBOX_PUBLISHED = Counter(
    "shopgraph_orders_outbox_published_events_total",
    "Order events the relay published to their stream.",
    registry=service_registry("orders"),
)


class OutboxRelay:
    def __init__(self, store: OrderStore, redis: Redis, *, batch_size: int = 100,
                 interval_seconds: float = 0.2) -> None:  # fmt: skip
        self.store = store
        self.redis = redis
        self.batch_size = batch_size
        self.interval = interval_seconds
        self._next_count = 0.0

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Append ``events`` in one Redis transaction, each in a ``publish`` span that
        continues the trace of the request that wrote it."""
        carriers = [{"traceparent": e.traceparent} if e.traceparent else {} for e in events]
        async with self.redis.pipeline(transaction=True) as pipe:
            for event, carrier in zip(events, carriers, strict=True):
                with producer_span(f"publish {event.stream}", carrier,
                                   {"messaging.system": "redis",
                                    "messaging.destination.name": event.stream,
                                    "messaging.message.id": str(event.id)}):  # fmt: skip
                    fields: dict[Any, Any] = inject({
                        "type": event.event_type, "event_id": str(event.id),
                        "payload": orjson.dumps(event.payload).decode(),
                    })  # fmt: skip
                    pipe.xadd(event.stream, fields)
            await pipe.execute()
        OUTBOX_PUBLISHED.inc(len(events))

    async def drain(self) -> int:
        """Publish everything pending now; return how many events went out."""
        total = 0
        while published := await self.store.claim_outbox(self.batch_size, self.publish):
            total += published
        if total or time.monotonic() >= self._next_count:
            OUTBOX_BACKLOG.set(await self.store.outbox_backlog())
            self._next_count = time.monotonic() + BACKLOG_EVERY_SECONDS
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
