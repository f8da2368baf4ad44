"""Two orders subgraph instances on one PostgreSQL database and one Redis: their outbox relays
take turns, so every order event reaches ``orders:events`` once, each order's events in the
order they happened, and when one instance stops the other publishes the rest.

(Across orders, events written by concurrent transactions are published in the order those
commit, not in the order their ids were drawn: an id drawn earlier can commit later.)"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import orjson
import redis

from datastores.settings import StoreSettings
from subgraphs.orders.app import open_store
from subgraphs.orders.model import CartLine, OrderStatus, StockLevel
from subgraphs.orders.store import ORDER_EVENTS_STREAM, SqlOrderStore
from tests.support.processes import emptied_redis, running
from tests.support.sql import postgres_database_url

REDIS_DB = 9
SHIPPING = {"recipient": "Bob", "line1": "Storgatan 1", "line2": "", "city": "Stockholm",
            "postal_code": "11122", "country": "SE"}  # fmt: skip
ORDERS = 60


def test_two_instances_publish_each_event_once_in_order(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    stream_url = emptied_redis(redis_url, REDIS_DB)
    client = redis.Redis.from_url(stream_url, decode_responses=True)
    with postgres_database_url(postgres_url) as database:
        env = _orders_env(database, stream_url)
        with (
            running(["subgraph", "orders"], env, tmp_path / "orders-a.log") as first,
            running(["subgraph", "orders"], env, tmp_path / "orders-b.log"),
        ):
            written = asyncio.run(_place_orders(database, range(ORDERS // 2)))
            first.process.terminate()  # a rolling update stops one: the other carries on
            first.process.wait(20)
            written += asyncio.run(_place_orders(database, range(ORDERS // 2, ORDERS)))
            published = _published(client, expected=written)
    event_ids = [int(fields["event_id"]) for fields in published]
    assert len(event_ids) == written, "every event published"
    assert len(set(event_ids)) == written, "no event published twice"
    histories: dict[str, list[str]] = {}
    for fields in published:
        order_id = orjson.loads(fields["payload"])["order_id"]
        histories.setdefault(order_id, []).append(fields["type"])
    assert len(histories) == ORDERS
    assert set(map(tuple, histories.values())) == {
        ("OrderPlaced", "OrderCancelled"),
        ("OrderPlaced", "OrderShipped", "OrderDelivered"),
    }, "each order's events in the order they happened"
    client.close()


def _orders_env(database: str, stream_url: str) -> dict[str, str]:
    """An orders instance's stores: the test's database and its Redis database."""
    return {"SHOPGRAPH_POSTGRES_URL": database.replace("postgresql+asyncpg://", "postgresql://"),
            "SHOPGRAPH_REDIS_URL": stream_url}  # fmt: skip


async def _place_orders(database: str, numbers: range) -> int:
    """Orders written concurrently, as several requests would, each placed then cancelled or
    shipped: three events for half of them, two for the rest. Returns how many events."""
    store = await open_store(StoreSettings(postgres_url=database))
    assert isinstance(store, SqlOrderStore)
    await store.save_stock([StockLevel("p-1", "v-01", 100_000, "EUR", 1_000)], replace=False)
    now = datetime.now(UTC)

    async def one(n: int) -> int:
        order = await store.place_order(
            user_id=f"u-{n % 7}", idempotency_key=f"relay-test-{n:05d}",
            lines=[CartLine("p-1", 1)], shipping=SHIPPING, payment_reference=f"pay_{n}",
            now=now,
        )  # fmt: skip
        if n % 2:
            await store.cancel_order(order.id, "changed my mind", now)
            return 2
        await store.change_status(order.id, OrderStatus.SHIPPED, "shipped", now)
        await store.change_status(order.id, OrderStatus.DELIVERED, "delivered", now)
        return 3

    counts = await asyncio.gather(*(one(n) for n in numbers))
    await store.close()
    return sum(counts)


def _published(
    client: redis.Redis, *, expected: int, timeout: float = 30.0
) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout
    while client.xlen(ORDER_EVENTS_STREAM) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # anything published twice would show up by now
    entries = cast("list[tuple[str, dict[str, str]]]", client.xrange(ORDER_EVENTS_STREAM))
    return [fields for _, fields in entries]


def test_an_instance_told_to_leave_the_outbox_to_the_relay_publishes_nothing(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """``SHOPGRAPH_ORDERS_RUN_RELAY=false``, as the chart sets it while ``orders-relay`` runs."""
    stream_url = emptied_redis(redis_url, REDIS_DB)
    client = redis.Redis.from_url(stream_url, decode_responses=True)
    with postgres_database_url(postgres_url) as database:
        env = {**_orders_env(database, stream_url), "SHOPGRAPH_ORDERS_RUN_RELAY": "false"}
        with running(["subgraph", "orders"], env, tmp_path / "orders.log"):
            written = asyncio.run(_place_orders(database, range(4)))
            time.sleep(2.0)  # ten relay intervals
            assert client.xlen(ORDER_EVENTS_STREAM) == 0
        with running(["subgraph", "orders"], {**env, "SHOPGRAPH_ORDERS_RUN_RELAY": "true"},
                     tmp_path / "orders-relaying.log"):  # fmt: skip
            assert len(_published(client, expected=written)) == written
    client.close()
