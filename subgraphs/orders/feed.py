"""What the orders subgraph's subscriptions listen to: the order events the outbox relay
publishes (``orders:events``: ``OrderPlaced``, ``OrderShipped``, ``OrderDelivered``,
``OrderCancelled``) and the stock changes the stock cache announces (``orders:stock-changes``).

One reader per process follows each source and hands every event to the subscriptions whose
filter wants it, so a thousand subscribers cost one Redis read, not a thousand. Each
subscription has a bounded queue: one that falls behind by more than ``QUEUE_SIZE`` events is
ended with an error rather than holding memory without bound or skipping an event silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio import Redis

from subgraphs.common.errors import client_error
from subgraphs.orders.store import ORDER_EVENTS_STREAM, STATUS_EVENTS

log = logging.getLogger(__name__)

ORDER_EVENTS = ORDER_EVENTS_STREAM
STOCK_CHANGES = "orders:stock-changes"
ORDER_EVENT_TYPES = frozenset({"OrderPlaced", *STATUS_EVENTS.values()})
QUEUE_SIZE = 64
READ_BLOCK_MS = 1_000
RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class FeedEvent:
    kind: str
    """OrderPlaced, OrderShipped, OrderDelivered, OrderCancelled or StockChanged."""
    payload: dict[str, Any]


@dataclass
class _Subscriber:
    wants: Callable[[FeedEvent], bool]
    queue: asyncio.Queue[FeedEvent | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    overflowed: bool = False


class OrderFeed:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._subscribers: list[_Subscriber] = []
        self._readers: list[asyncio.Task[None]] = []

    @contextlib.asynccontextmanager
    async def events(
        self, wants: Callable[[FeedEvent], bool]
    ) -> AsyncIterator[AsyncIterator[FeedEvent]]:
        """The events ``wants`` picks, from now on, until the block ends."""
        subscriber = _Subscriber(wants)
        self._subscribers.append(subscriber)
        if not self._readers:
            self._start()
        try:
            yield self._drain(subscriber)
        finally:
            self._subscribers.remove(subscriber)

    async def _drain(self, subscriber: _Subscriber) -> AsyncIterator[FeedEvent]:
        while True:
            event = await subscriber.queue.get()
            if event is None:
                raise client_error(
                    "this subscription fell too far behind its events and was ended",
                    "SUBSCRIPTION_OVERFLOW",
                )
            yield event

    def _deliver(self, event: FeedEvent) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.overflowed or not subscriber.wants(event):
                continue
            if subscriber.queue.full():
                subscriber.overflowed = True
                subscriber.queue.get_nowait()
                subscriber.queue.put_nowait(None)
            else:
                subscriber.queue.put_nowait(event)

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._readers = [loop.create_task(self._follow_orders(), name="order-feed"),
                         loop.create_task(self._follow_stock(), name="stock-feed")]  # fmt: skip

    async def _follow_orders(self) -> None:
        last = "$"
        while True:
            try:
                if last == "$":
                    newest = await self.redis.xrevrange(ORDER_EVENTS, count=1)
                    last = _text(newest[0][0]) if newest else "0-0"
                found: Any = await self.redis.xread({ORDER_EVENTS: last}, count=100,
                                                    block=READ_BLOCK_MS)  # fmt: skip
                for _, entries in found or ():
                    for entry_id, fields in entries:
                        last = _text(entry_id)
                        event = _order_event(fields)
                        if event is not None:
                            self._deliver(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading %s for subscriptions failed; retrying", ORDER_EVENTS)
                await asyncio.sleep(RETRY_SECONDS)

    async def _follow_stock(self) -> None:
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(STOCK_CHANGES)
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            product_id = _text(message.get("data"))
                            self._deliver(FeedEvent("StockChanged", {"product_id": product_id}))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("following %s for subscriptions failed; retrying", STOCK_CHANGES)
                await asyncio.sleep(RETRY_SECONDS)

    async def aclose(self) -> None:
        for reader in self._readers:
            reader.cancel()
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        self._readers = []


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _order_event(fields: dict[Any, Any]) -> FeedEvent | None:
    fields = {_text(k): _text(v) for k, v in fields.items()}
    kind = fields.get("type")
    if kind not in ORDER_EVENT_TYPES:
        return None
    try:
        payload = orjson.loads(fields.get("payload", "{}"))
    except orjson.JSONDecodeError:
        return None
    return FeedEvent(kind, payload) if isinstance(payload, dict) else None
