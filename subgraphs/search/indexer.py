"""Keeps the search index in step with the catalog by consuming ``CatalogChanged`` events.

The indexer reads the catalog stream in a Redis consumer group. An entry is acknowledged only
once the index holds it, so a crash or restart loses nothing: on start the indexer first takes
back what it had read but not acknowledged (its own pending entries, then entries idle too long
with other consumers), then reads new ones. An event that can never be indexed (it does not
parse, or the index refuses its document) goes to a dead-letter stream with the error and is
acknowledged; an index that can't be reached is retried with backoff, acknowledging nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from subgraphs.common.events import CATALOG_STREAM, CatalogChanged, parse_event
from subgraphs.search.index import SearchIndex

log = logging.getLogger(__name__)

GROUP = "search-indexer"
DEAD_LETTER_STREAM = f"{CATALOG_STREAM}:dead"
IDLE_PAUSE = 0.05
"""Seconds between polls of a server that does not block on XREADGROUP."""


@dataclass
class BatchReport:
    indexed: int = 0
    deleted: int = 0
    dead: int = 0


class CatalogIndexer:
    def __init__(
        self,
        redis: Redis,
        index: SearchIndex,
        *,
        consumer: str,
        stream: str = CATALOG_STREAM,
        group: str = GROUP,
        dead_letter_stream: str = DEAD_LETTER_STREAM,
        batch_size: int = 200,
        block_ms: int = 1000,
        claim_idle_ms: int = 60_000,
    ) -> None:
        self.redis = redis
        self.index = index
        self.consumer = consumer
        self.stream = stream
        self.group = group
        self.dead_letter_stream = dead_letter_stream
        self.batch_size = batch_size
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms

    async def ensure_group(self) -> None:
        """Create the consumer group at the start of the stream (so nothing is skipped)."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def recover(self) -> BatchReport:
        """Index what this consumer read but did not acknowledge, then idle entries of others."""
        total = BatchReport()
        while True:
            response = await self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: "0"}, count=self.batch_size
            )
            entries = _entries(response)
            if not entries:
                break
            _add(total, await self._handle(entries))
        start = "0-0"
        while True:
            start, claimed, _ = await self.redis.xautoclaim(
                self.stream, self.group, self.consumer, self.claim_idle_ms, start,
                count=self.batch_size,
            )  # fmt: skip
            entries = [(_text(i), _fields(f)) for i, f in claimed if f is not None]
            if entries:
                _add(total, await self._handle(entries))
            if _text(start) == "0-0":
                break
        return total

    async def poll(self) -> BatchReport:
        """Wait up to ``block_ms`` for new events and index them."""
        started = time.monotonic()
        response = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"},
            count=self.batch_size, block=self.block_ms,
        )  # fmt: skip
        entries = _entries(response)
        if entries:
            return await self._handle(entries)
        if time.monotonic() - started < self.block_ms / 2000:
            # The server did not block (the embedded fakeredis answers at once): pause, so that
            # waiting for events is not a busy loop that starves the rest of the process.
            await asyncio.sleep(IDLE_PAUSE)
        return BatchReport()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Index until ``stop`` is set (or forever), retrying an unreachable index."""
        stop = stop or asyncio.Event()
        backoff = 0.5
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    await self.ensure_group()
                    report = await self.recover()
                    recovered = True
                else:
                    report = await self.poll()
                if report.indexed or report.deleted or report.dead:
                    log.info("indexed %d, deleted %d, dead-lettered %d",
                             report.indexed, report.deleted, report.dead)  # fmt: skip
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("indexing failed; retrying in %.1f s", backoff)
                recovered = False  # take the unacknowledged entries back first
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 30.0)

    async def _handle(self, entries: Sequence[tuple[str, dict[str, str]]]) -> BatchReport:
        report = BatchReport()
        events: list[CatalogChanged] = []
        for entry_id, fields in entries:
            try:
                event = parse_event(entry_id, fields)
                if event.snapshot is None and event.change != "deleted":
                    raise ValueError(f"a {event.change!r} event without a product snapshot")
            except (ValueError, KeyError, TypeError) as error:
                await self._dead_letter(entry_id, fields, f"{type(error).__name__}: {error}")
                report.dead += 1
                continue
            events.append(event)
        # The latest event of a product wins; earlier ones in the batch are superseded.
        latest: dict[str, CatalogChanged] = {}
        for event in events:
            latest[event.product_id] = event
        deletions = [e.product_id for e in latest.values() if e.snapshot is None]
        documents = [e.snapshot for e in latest.values() if e.snapshot is not None]
        if deletions:
            await self.index.delete(deletions)
            report.deleted += len(deletions)
        rejected = await self.index.index(documents) if documents else {}
        report.indexed += len(documents) - len(rejected)
        if rejected:
            fields_by_id = dict(entries)
            for event in latest.values():
                if event.product_id in rejected:
                    reason = rejected[event.product_id]
                    await self._dead_letter(event.entry_id, fields_by_id[event.entry_id], reason)
                    report.dead += 1
        await self.redis.xack(self.stream, self.group, *[entry_id for entry_id, _ in entries])
        return report

    async def _dead_letter(self, entry_id: str, fields: dict[str, str], error: str) -> None:
        log.warning("catalog event %s dead-lettered: %s", entry_id, error)
        await self.redis.xadd(
            self.dead_letter_stream,
            {
                "entry_id": entry_id,
                "stream": self.stream,
                "group": self.group,
                "error": error,
                "event": orjson.dumps(fields).decode(),
            },
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _fields(fields: dict[bytes | str, bytes | str]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in fields.items()}


def _entries(response: Any) -> list[tuple[str, dict[str, str]]]:
    """XREADGROUP's answer as (id, fields) pairs.

    It is ``[[stream, [(id, fields), ...]]]`` on RESP2 and ``{stream: [...]}`` on RESP3.
    """
    streams = response.items() if isinstance(response, dict) else response or []
    entries: list[tuple[str, dict[str, str]]] = []
    for _stream, messages in streams:
        for entry_id, fields in messages:
            if fields is not None:  # the entry was trimmed away while pending
                entries.append((_text(entry_id), _fields(fields)))
    return entries


def _add(total: BatchReport, report: BatchReport) -> None:
    total.indexed += report.indexed
    total.deleted += report.deleted
    total.dead += report.dead
