"""The orders store's contract, on PostgreSQL and on embedded SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from subgraphs.orders.model import CartLine, CatalogFacts, Order, OrderStatus, StockLevel
from subgraphs.orders.store import (
    DuplicateOrderError,
    OrderTransitionError,
    OutboxEvent,
    OutOfStockError,
    SqlOrderStore,
    UnknownOrderError,
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
    with pytest.raises(OrderTransitionError, match="CANCELLED"):
        await order_store.cancel_order(cancelled.id, "again", NOW)
    assert await available(order_store, "p-1") == 5


async def test_an_order_is_shipped_then_delivered(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    order = await place(order_store, "key-00010", CartLine("p-1", 2))
    later, latest = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
    shipped = await order_store.change_status(order.id, OrderStatus.SHIPPED, "with the carrier",
                                              later)  # fmt: skip
    assert (shipped.status, shipped.updated_at) == (OrderStatus.SHIPPED, later)
    delivered = await order_store.change_status(order.id, OrderStatus.DELIVERED, "at the door",
                                                latest)  # fmt: skip
    assert [(h.status, h.at, h.note) for h in delivered.history] == [
        (OrderStatus.PLACED, NOW, "order placed"),
        (OrderStatus.SHIPPED, later, "with the carrier"),
        (OrderStatus.DELIVERED, latest, "at the door"),
    ]  # fmt: skip
    assert await available(order_store, "p-1") == 3, "shipping keeps the stock reserved"
    [reloaded] = await order_store.orders_by_ids([order.id])
    assert reloaded == delivered


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        ([OrderStatus.SHIPPED], OrderStatus.CANCELLED, "shipped order can no longer be cancelled"),
        ([OrderStatus.SHIPPED, OrderStatus.DELIVERED], OrderStatus.CANCELLED, "no longer"),
        ([], OrderStatus.DELIVERED, "from PLACED it can only become CANCELLED or SHIPPED"),
        ([OrderStatus.SHIPPED], OrderStatus.SHIPPED, "it is that already"),
        ([OrderStatus.CANCELLED], OrderStatus.SHIPPED, "its status is final"),
        ([OrderStatus.SHIPPED, OrderStatus.DELIVERED], OrderStatus.SHIPPED, "final"),
        ([OrderStatus.SHIPPED], OrderStatus.PLACED, "only become DELIVERED"),
    ],
)
async def test_illegal_transitions_change_nothing(
    order_store: SqlOrderStore, path: list[OrderStatus], refused: OrderStatus, message: str
) -> None:
    await stocked(order_store)
    order = await place(order_store, "key-00011", CartLine("p-1", 1))
    for status in path:
        order = await order_store.change_status(order.id, status, status.value.lower(), NOW)
    with pytest.raises(OrderTransitionError, match=message) as refusal:
        await order_store.change_status(order.id, refused, "no", NOW)
    assert (refusal.value.code, refusal.value.current) == ("ORDER_TRANSITION", order.status)
    assert await order_store.orders_by_ids([order.id]) == [order]
    stock = 5 if OrderStatus.CANCELLED in path else 4
    assert await available(order_store, "p-1") == stock, "refused: no stock released"
    assert len(await _drained(order_store)) == 1 + len(path), "no event for a refused change"


async def test_changing_an_unknown_order(order_store: SqlOrderStore) -> None:
    with pytest.raises(UnknownOrderError):
        await order_store.change_status("o-missing", OrderStatus.SHIPPED, "x", NOW)


async def _drained(store: SqlOrderStore) -> list[OutboxEvent]:
    published: list[OutboxEvent] = []

    async def publish(events: Sequence[OutboxEvent]) -> None:
        published.extend(events)

    await store.claim_outbox(100, publish)
    return published


async def test_the_outbox_publishes_each_event_once_in_order(order_store: SqlOrderStore) -> None:
    await stocked(order_store)
    first = await place(order_store, "key-00006", CartLine("p-1", 1))
    await order_store.cancel_order(first.id, "x", NOW)
    second = await place(order_store, "key-00016", CartLine("p-2", 1))
    await order_store.change_status(second.id, OrderStatus.SHIPPED, "x", NOW)
    await order_store.change_status(second.id, OrderStatus.DELIVERED, "x", NOW)
    published: list[OutboxEvent] = []

    async def publish(events: Sequence[OutboxEvent]) -> None:
        published.extend(events)

    assert await order_store.claim_outbox(10, publish) == 5
    assert [(e.event_type, e.payload["order_id"]) for e in published] == [
        ("OrderPlaced", first.id), ("OrderCancelled", first.id), ("OrderPlaced", second.id),
        ("OrderShipped", second.id), ("OrderDelivered", second.id),
    ]  # fmt: skip
    assert published[3].payload["status"] == "SHIPPED"
    assert published[3].payload["items"] == [
        {"product_id": "p-2", "vendor_id": "v-02", "quantity": 1}
    ]
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
        CatalogFacts("p-1", "v-07", 1250, "EUR", 1),
        CatalogFacts("p-3", "v-03", 300, "EUR", 1),
    ], NOW)  # fmt: skip
    assert await order_store.stock_levels(["p-1", "p-3"]) == [
        StockLevel("p-1", "v-07", 1250, "EUR", 5),
        StockLevel("p-3", "v-03", 300, "EUR", 0),
    ]
    order = await place(order_store, "key-30000", CartLine("p-1", 2))
    assert order.total_amount == 2500, "an order pays the catalog's current price"


async def test_catalog_facts_of_an_older_revision_never_replace_newer_ones(
    order_store: SqlOrderStore,
) -> None:
    """Two orders instances follow the catalog in one group and may take a product's events in
    either order: the price stays the one of the highest revision."""
    await stocked(order_store)
    await order_store.follow_catalog([CatalogFacts("p-1", "v-01", 1300, "EUR", 5)], NOW)
    await order_store.follow_catalog([CatalogFacts("p-1", "v-01", 1100, "EUR", 4)], NOW)
    [level] = await order_store.stock_levels(["p-1"])
    assert level is not None
    assert (level.price_amount, level.available) == (1300, 5)
    await order_store.follow_catalog([CatalogFacts("p-1", "v-01", 1400, "EUR", 5)], NOW)
    await order_store.follow_catalog([CatalogFacts("p-1", "v-01", 1500, "EUR", 6)], NOW)
    assert [level.price_amount for level in await order_store.stock_levels(["p-1"]) if level] == [
        1500
    ]
