"""The orders store's contract, on PostgreSQL and on embedded SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from subgraphs.orders.model import CartLine, Order, OrderStatus, StockLevel
from subgraphs.orders.store import (
    DuplicateOrderError,
    OrderStateError,
    OutboxEvent,
    OutOfStockError,
    SqlOrderStore,
    UnknownProductError,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SHIPPING = {"recipient": "Alice", "line1": "1 Main St", "line2": "", "city": "Oslo",
            "postal_code": "0150", "country": "NO"}  # fmt: skip


async def stocked(store: SqlOrderStore) -> None:
    await store.save_stock([
        StockLevel("p-1", "v-01", 1000, "EUR", 5),
        StockLevel("p-2", "v-02", 250, "EUR", 1),
    ])  # fmt: skip


async def available(store: SqlOrderStore, product_id: str) -> int:
    [level] = await store.stock_levels([product_id])
    assert level is not None
    return level.available


async def place(store: SqlOrderStore, key: str, *lines: CartLine, user: str = "u-1") -> Order:
    return await store.place_order(
        user_id=user, idempotency_key=key, lines=list(lines), shipping=SHIPPING,
        payment_reference="pay_1", now=NOW,
    )  # fmt: skip


async def test_placing_reserves_stock_and_records_everything(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    order = await order_store.place_order(
        user_id="u-1", idempotency_key="key-00001",
        lines=[CartLine("p-1", 2), CartLine("p-2", 1)], shipping=SHIPPING,
        payment_reference="pay_1", now=NOW,
    )  # fmt: skip
    assert (order.status, order.total_amount, order.currency) == (OrderStatus.PLACED, 2250, "EUR")
    assert [(i.product_id, i.vendor_id, i.quantity, i.unit_amount) for i in order.items] == [
        ("p-1", "v-01", 2, 1000), ("p-2", "v-02", 1, 250),
    ]  # fmt: skip
    assert [h.status for h in order.history] == [OrderStatus.PLACED]
    assert order.shipping == SHIPPING
    assert (await available(order_store, "p-1"), await available(order_store, "p-2")) == (3, 0)
    assert await order_store.order_for_key("u-1", "key-00001") == order
    assert await order_store.order_for_key("u-2", "key-00001") is None


async def test_out_of_stock_leaves_nothing_behind(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    with pytest.raises(OutOfStockError, match="p-2"):
        await place(order_store, "key-00002", CartLine("p-1", 1), CartLine("p-2", 2))
    with pytest.raises(UnknownProductError):
        await place(order_store, "key-00003", CartLine("p-9", 1))
    assert await available(order_store, "p-1") == 5, "the first line's reservation rolled back"
    assert await order_store.order_for_key("u-1", "key-00002") is None
    assert await order_store.claim_outbox(10, _ignore) == 0, "no event for a rolled-back order"


async def test_an_idempotency_key_makes_one_order(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    await place(order_store, "key-00004", CartLine("p-1", 1))
    with pytest.raises(DuplicateOrderError):
        await place(order_store, "key-00004", CartLine("p-1", 1))
    assert await available(order_store, "p-1") == 4
    await place(order_store, "key-00004", CartLine("p-1", 1), user="u-2")  # keys are per user
    assert await available(order_store, "p-1") == 3


async def test_cancel_releases_stock_once(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    order = await place(order_store, "key-00005", CartLine("p-1", 3))
    cancelled = await order_store.cancel_order(order.id, "changed my mind", NOW)
    assert cancelled.status == OrderStatus.CANCELLED
    assert [(h.status, h.note) for h in cancelled.history][-1] == (
        OrderStatus.CANCELLED, "changed my mind",
    )  # fmt: skip
    assert await available(order_store, "p-1") == 5
    with pytest.raises(OrderStateError):
        await order_store.cancel_order(cancelled.id, "again", NOW)
    assert await available(order_store, "p-1") == 5


async def test_the_outbox_publishes_each_event_once_in_order(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    first = await place(order_store, "key-00006", CartLine("p-1", 1))
    await order_store.cancel_order(first.id, "x", NOW)
    published: list[OutboxEvent] = []

    async def publish(events: Sequence[OutboxEvent]) -> None:
        published.extend(events)

    assert await order_store.claim_outbox(10, publish) == 2
    assert [(e.event_type, e.payload["order_id"]) for e in published] == [
        ("OrderPlaced", first.id), ("OrderCancelled", first.id),
    ]  # fmt: skip
    assert await order_store.claim_outbox(10, publish) == 0


async def test_a_failed_publish_keeps_the_events(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    await place(order_store, "key-00007", CartLine("p-1", 1))

    async def broken(_: Sequence[OutboxEvent]) -> None:
        raise ConnectionError("redis is down")

    with pytest.raises(ConnectionError):
        await order_store.claim_outbox(10, broken)
    assert await order_store.claim_outbox(10, _ignore) == 1


async def test_orders_for_user_and_vendor_lines_page_newest_first(
    order_store: SqlOrderStore,
) -> None:
    await order_store.save_stock([StockLevel("p-1", "v-01", 100, "EUR", 50),
                                  StockLevel("p-2", "v-02", 100, "EUR", 50)])  # fmt: skip
    ids = []
    for n in range(5):
        order = await place(order_store, f"key-1000{n}", CartLine("p-1", 1), CartLine("p-2", 1))
        ids.append(order.id)
    await place(order_store, "key-20000", CartLine("p-2", 1), user="u-2")
    first = await order_store.orders_for_user("u-1", 2, None)
    assert [o.id for o in first.items] == [ids[4], ids[3]]
    assert first.has_next
    rest = await order_store.orders_for_user("u-1", 10, ids[3])
    assert [o.id for o in rest.items] == [ids[2], ids[1], ids[0]]
    assert not rest.has_next
    vendor = await order_store.lines_for_vendor("v-01", 10, None)
    assert [o.id for o, _ in vendor.items] == ids[::-1], "u-2's order has no v-01 line"
    assert all([i.vendor_id for i in lines] == ["v-01"] for _, lines in vendor.items)


async def test_set_available_and_stock_rows(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    level = await order_store.set_available("p-2", 40, NOW)
    assert (level.available, level.vendor_id) == (40, "v-02")
    with pytest.raises(UnknownProductError):
        await order_store.set_available("p-9", 1, NOW)
    await order_store.save_stock([StockLevel("p-2", "v-02", 250, "EUR", 7)], replace=False)
    assert await available(order_store, "p-2") == 40, "replace=False keeps existing rows"


async def _ignore(_: Sequence[OutboxEvent]) -> None:
    return None


async def test_following_the_catalog_changes_prices_not_stock(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    await order_store.follow_catalog([
        StockLevel("p-1", "v-07", 1250, "EUR", 999),  # the available count here is ignored
        StockLevel("p-3", "v-03", 300, "EUR", 999),
    ], NOW)  # fmt: skip
    assert await order_store.stock_levels(["p-1", "p-3"]) == [
        StockLevel("p-1", "v-07", 1250, "EUR", 5),
        StockLevel("p-3", "v-03", 300, "EUR", 0),
    ]
    order = await place(order_store, "key-30000", CartLine("p-1", 2))
    assert order.total_amount == 2500, "an order pays the catalog's current price"
