"""Consuming a Redis stream in a consumer group: at least once, nothing lost, poison set aside.

An entry is acknowledged only after its handler succeeded, so a crash or restart loses
nothing: on start the consumer first takes back what it had read but not acknowledged (its own
pending entries, then entries idle too long with other consumers of the group), then reads new
ones. An entry the handler can never process goes to a dead-letter stream with the reason and
is acknowledged; a handler that raises (its store is down) is retried with backoff, and
nothing of that batch is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from observability.context import current_service
from observability.metrics import service_registry
from observability.tracing import consumer_span

log = logging.getLogger(__name__)

IDLE_PAUSE = 0.05
"""Seconds between reads of a server that does not block on XREADGROUP (fakeredis)."""

GROUP_INFO_EVERY_SECONDS = 5.0
"""How often a consumer reads its group's backlog (XINFO GROUPS) for the metrics."""

Entry = tuple[str, dict[str, str]]
Handler = Callable[[Sequence[Entry]], Awaitable[dict[str, str]]]
"""Processes a batch; returns the entry ids it can never process, each with the reason."""


class StreamMetrics:
    """A consuming service's stream metrics (one set per service registry)."""

    def __init__(self, service: str) -> None:
        registry = service_registry(service)
        labels = ["stream", "group"]
        self.processed = Counter("shopgraph_stream_processed_entries_total",
                                 "Stream entries handled and acknowledged.", labels,
                                 registry=registry)  # fmt: skip
        self.dead_letters = Counter("shopgraph_stream_dead_letters_total",
                                    "Stream entries set aside as never processable.", labels,
                                    registry=registry)  # fmt: skip
        self.lag = Gauge("shopgraph_stream_consumer_lag_seconds",
                         "Age of the newest entry handled when it was handled: how far the "
                         "consumer runs behind its producers.", labels,
                         registry=registry)  # fmt: skip
        self.backlog = Gauge("shopgraph_stream_consumer_backlog_entries",
                             "Entries of the stream the group has not read yet, and read but "
                             "not acknowledged (XINFO GROUPS lag + pending).", labels,
                             registry=registry)  # fmt: skip


_metrics: dict[str, StreamMetrics] = {}


def stream_metrics(service: str) -> StreamMetrics:
    """The stream metrics of ``service``, registered on first use."""
    if service not in _metrics:
        _metrics[service] = StreamMetrics(service)
    return _metrics[service]


class StreamConsumer:
    def __init__(
        self, redis: Redis, handler: Handler, *, stream: str, group: str, consumer: str,
        dead_letter_stream: str, batch_size: int = 200, block_ms: int = 1000,
        claim_idle_ms: int = 60_000,
    ) -> None:  # fmt: skip
        self.redis = redis
        self.handler = handler
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.dead_letter_stream = dead_letter_stream
        self.batch_size = batch_size
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.metrics = stream_metrics(current_service())
        for counter in (self.metrics.processed, self.metrics.dead_letters):
            counter.labels(stream, group)  # at 0 from the start: increase() sees the first one
        self._next_group_info = 0.0
        self._next_claim = 0.0

    async def ensure_group(self) -> None:
        """Create the consumer group at the start of the stream (so nothing is skipped)."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def recover(self) -> int:
        """Process what this consumer read but did not acknowledge, then idle entries of
        others; return how many entries were processed."""
        done = 0
        while True:
            response = await self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: "0"}, count=self.batch_size
            )
            entries = _entries(response)
            if not entries:
                break
            done += await self._handle(entries)
        return done + await self.claim_idle()

    async def claim_idle(self) -> int:
        """Take over and process the entries another consumer of the group read but has not
        acknowledged for ``claim_idle_ms`` (it crashed, or was stopped mid-batch)."""
        done = 0
        self._next_claim = time.monotonic() + self.claim_idle_ms / 1000
        start = "0-0"
        while True:
            start, claimed, _ = await self.redis.xautoclaim(
                self.stream, self.group, self.consumer, self.claim_idle_ms, start,
                count=self.batch_size,
            )  # fmt: skip
            entries = [(_text(i), _fields(f)) for i, f in claimed if f is not None]
            if entries:
                done += await self._handle(entries)
            if _text(start) == "0-0":
                return done

    async def poll(self) -> int:
        """Wait up to ``block_ms`` for new entries and process them."""
        started = time.monotonic()
        response = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"},
            count=self.batch_size, block=self.block_ms,
        )  # fmt: skip
        entries = _entries(response)
        await self.observe_backlog()
        if entries:
            return await self._handle(entries)
        if time.monotonic() - started < self.block_ms / 2000:
            # The server did not block (the embedded fakeredis answers at once): pause, so that
            # waiting for entries is not a busy loop that starves the rest of the process.
            await asyncio.sleep(IDLE_PAUSE)
        return 0

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until ``stop`` is set (or forever), retrying a failing handler."""
        stop = stop or asyncio.Event()
        backoff = 0.5
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    await self.ensure_group()
                    await self.recover()
                    recovered = True
                else:
                    await self.poll()
                    if time.monotonic() >= self._next_claim:
                        await self.claim_idle()  # a consumer gone since we started
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s on %s failed; retrying in %.1f s", self.group, self.stream,
                              backoff)  # fmt: skip
                recovered = False  # take the unacknowledged entries back first
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 30.0)

    async def _handle(self, entries: Sequence[Entry]) -> int:
        attributes: dict[str, str | int] = {
            "messaging.system": "redis", "messaging.operation.type": "process",
            "messaging.destination.name": self.stream,
            "messaging.consumer.group.name": self.group,
            "messaging.batch.message_count": len(entries),
        }  # fmt: skip
        with consumer_span(f"process {self.stream}", [f for _, f in entries], attributes):
            rejected = await self.handler(entries)
            fields_by_id = dict(entries)
            for entry_id, reason in rejected.items():
                await self.dead_letter(entry_id, fields_by_id.get(entry_id, {}), reason)
            await self.redis.xack(self.stream, self.group, *[entry_id for entry_id, _ in entries])
        labels = self.metrics.processed.labels(self.stream, self.group)
        labels.inc(len(entries))
        newest_ms = int(entries[-1][0].split("-", 1)[0])
        self.metrics.lag.labels(self.stream, self.group).set(
            max(time.time() - newest_ms / 1000, 0.0)
        )
        return len(entries)

    async def observe_backlog(self) -> None:
        """Set the backlog gauge from XINFO GROUPS, at most every few seconds."""
        if time.monotonic() < self._next_group_info:
            return
        self._next_group_info = time.monotonic() + GROUP_INFO_EVERY_SECONDS
        try:
            groups = await self.redis.xinfo_groups(self.stream)
        except ResponseError:  # no such stream yet
            return
        for group in groups:
            name = _text(group.get("name", b""))
            if name == self.group:
                backlog = int(group.get("lag") or 0) + int(group.get("pending") or 0)
                self.metrics.backlog.labels(self.stream, self.group).set(backlog)

    async def dead_letter(self, entry_id: str, fields: dict[str, str], error: str) -> None:
        log.warning("%s entry %s dead-lettered: %s", self.stream, entry_id, error)
        self.metrics.dead_letters.labels(self.stream, self.group).inc()
        await self.redis.xadd(self.dead_letter_stream, {
            "entry_id": entry_id, "stream": self.stream, "group": self.group, "error": error,
            "event": orjson.dumps(fields).decode(),
        })  # fmt: skip


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _fields(fields: dict[bytes | str, bytes | str]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in fields.items()}


def _entries(response: Any) -> list[Entry]:
    """XREADGROUP's answer as (id, fields) pairs.

    It is ``[[stream, [(id, fields), ...]]]`` on RESP2 and ``{stream: [...]}`` on RESP3.
    """
    streams = response.items() if isinstance(response, dict) else response or []
    entries: list[Entry] = []
    for _stream, messages in streams:
        for entry_id, fields in messages:
            if fields is not None:  # the entry was trimmed away while pending
                entries.append((_text(entry_id), _fields(fields)))
    return entries
