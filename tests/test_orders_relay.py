"""``shopgraph orders relay``: the outbox relay as a process of its own, as the chart runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from redis.asyncio import Redis

from datastores.settings import STORE_URL_VARIABLES, StoreSettings
from datastores.testservices.base import free_port
from subgraphs.orders.app import open_store
from subgraphs.orders.model import CartLine, StockLevel
from subgraphs.orders.store import ORDER_EVENTS_STREAM

SHOPGRAPH = Path(sys.executable).parent / "shopgraph"


async def place_order(stores: StoreSettings, key: str) -> str:
    store = await open_store(stores)
    try:
        await store.save_stock([StockLevel("p-relay", "v-01", 1200, "EUR", 10)])
        order = await store.place_order(
            user_id="u-relay", idempotency_key=key, lines=[CartLine("p-relay", 1)],
            shipping={}, payment_reference="test", now=datetime.now(UTC),
        )  # fmt: skip
        assert await store.outbox_backlog() == 1
        return order.id
    finally:
        await store.close()


async def events_of(redis: Redis, order_id: str) -> list[dict[str, str]]:
    entries = await redis.xrange(ORDER_EVENTS_STREAM) or []
    events = [{str(k): str(v) for k, v in (fields or {}).items()} for _, fields in entries]
    return [event for event in events if order_id in event.get("payload", "")]


async def test_the_relay_publishes_the_outbox_once_and_stops_on_sigterm(
    tmp_path: Path, redis_url: str
) -> None:
    stores = StoreSettings(data_dir=tmp_path, redis_url=redis_url)
    order_id = await place_order(stores, key=f"relay-{time.time_ns()}")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in STORE_URL_VARIABLES}
    env |= {"SHOPGRAPH_DATA_DIR": str(tmp_path), "SHOPGRAPH_REDIS_URL": redis_url,
            "SHOPGRAPH_METRICS_PORT": str(port)}  # fmt: skip
    log = tmp_path / "relay.log"
    with log.open("wb") as output:
        relay = await asyncio.create_subprocess_exec(
            SHOPGRAPH, "orders", "relay", env=env, stdout=output, stderr=subprocess.STDOUT
        )
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        deadline = time.monotonic() + 60
        while not await events_of(redis, order_id):
            assert relay.returncode is None, log.read_text()
            assert time.monotonic() < deadline, "the order's event was not published"
            await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        assert "shopgraph_orders_outbox_published_events_total 1.0" in metrics
        relay.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(relay.wait(), 20) == 0, log.read_text()
        (event,) = await events_of(redis, order_id)
        assert event["type"] == "OrderPlaced"
    finally:
        if relay.returncode is None:
            relay.kill()
            await relay.wait()
        await redis.aclose()
    store = await open_store(stores)
    try:
        assert await store.outbox_backlog() == 0
    finally:
        await store.close()
