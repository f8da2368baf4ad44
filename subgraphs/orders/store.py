"""The orders store: inventory, orders and the outbox, on SQL (PostgreSQL, or SQLite embedded).

One adapter serves both databases through SQLAlchemy Core. Stock is reserved with a
conditional ``UPDATE … SET available = available - :n WHERE available >= :n``, inside the same
transaction that creates the order, its items, its status history and its ``OrderPlaced``
outbox row: either all of it is committed or none of it is, and stock never goes negative.
A status change (shipped, delivered, cancelled) is one conditional ``UPDATE`` on the status it
leaves, with its history row and its outbox event, in one transaction too.

With a read replica, only the history pages (``stale_ok``) may read from it; see
:mod:`subgraphs.common.consistency` for the rule.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from observability.tracing import inject
from subgraphs.orders.model import (
    TRANSITIONS,
    CartLine,
    CatalogFacts,
    Order,
    OrderItem,
    OrderStatus,
    StatusChange,
    StockLevel,
    previous_statuses,
)
from subgraphs.orders.tables import inventory, order_items, order_status_history, orders, outbox

ORDER_EVENTS_STREAM = "orders:events"
OUTBOX_LOCK = 7_305_112_001
"""The PostgreSQL advisory lock a relay holds while it publishes: one relay at a time, so that
events reach their stream in outbox order however many orders instances run."""
STATUS_EVENTS = {
    OrderStatus.SHIPPED: "OrderShipped",
    OrderStatus.DELIVERED: "OrderDelivered",
    OrderStatus.CANCELLED: "OrderCancelled",
}
"""The outbox event of each status change (placing an order writes ``OrderPlaced``)."""


class OrderError(Exception):
    code = "BAD_USER_INPUT"


class OutOfStockError(OrderError):
    code = "OUT_OF_STOCK"

    def __init__(self, product_id: str) -> None:
        super().__init__(f"not enough stock of {product_id}")
        self.product_id = product_id


class UnknownProductError(OrderError):
    code = "NOT_FOUND"


class DuplicateOrderError(OrderError):
    """An order with this idempotency key exists (committed by a concurrent request)."""

    code = "DUPLICATE_ORDER"


class UnknownOrderError(OrderError):
    code = "NOT_FOUND"


class OrderTransitionError(OrderError):
    """The order's status does not lead to the one asked for (see ``TRANSITIONS``)."""

    code = "ORDER_TRANSITION"

    def __init__(self, order_id: str, current: OrderStatus, wanted: OrderStatus) -> None:
        if wanted is OrderStatus.CANCELLED and current is not OrderStatus.CANCELLED:
            reason = f"a {current.value.lower()} order can no longer be cancelled"
        elif current is wanted:
            reason = "it is that already"
        elif not TRANSITIONS[current]:
            reason = "its status is final"
        else:
            allowed = " or ".join(sorted(s.value for s in TRANSITIONS[current]))
            reason = f"from {current.value} it can only become {allowed}"
        super().__init__(f"order {order_id!r} is {current.value}, not {wanted.value}: {reason}")
        self.current = current
        self.wanted = wanted


@dataclass
class Page:
    items: list[Any]
    has_next: bool


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    stream: str
    event_type: str
    payload: dict[str, Any]
    traceparent: str | None = None
    """The W3C trace context of the request that wrote the event."""


class OrderStore(Protocol):
    async def stock_levels(self, product_ids: Sequence[str]) -> list[StockLevel | None]:
        """One round trip; aligned with ``product_ids``."""
        ...

    async def save_stock(self, levels: Sequence[StockLevel], *, replace: bool = True) -> None:
        """Create or (``replace``) overwrite stock rows."""
        ...

    async def set_available(self, product_id: str, available: int, now: datetime) -> StockLevel:
        """Raises :class:`UnknownProductError` for a product without a stock row."""
        ...

    async def follow_catalog(self, facts: Sequence[CatalogFacts], now: datetime) -> None:
        """Take the catalog's price, currency and vendor of each product, unless its row
        already holds a later revision's; stock is left as it is, and a product new to the
        catalog starts with none."""
        ...

    async def order_for_key(self, user_id: str, idempotency_key: str) -> Order | None: ...

    async def place_order(
        self, *, user_id: str, idempotency_key: str, lines: Sequence[CartLine],
        shipping: dict[str, Any], payment_reference: str, now: datetime,
        order_id: str | None = None,
    ) -> Order:  # fmt: skip
        """Reserve the stock and create the order, all or nothing; its id is ``order_id``, or
        a new one (:func:`new_order_id`).

        Raises :class:`OutOfStockError`, :class:`UnknownProductError`, or
        :class:`DuplicateOrderError` when the idempotency key is already used.
        """
        ...

    async def cancel_order(self, order_id: str, note: str, now: datetime) -> Order:
        """Cancel a placed order and release its stock (``change_status`` to CANCELLED)."""
        ...

    async def change_status(
        self, order_id: str, status: OrderStatus, note: str, now: datetime
    ) -> Order:
        """Move the order to ``status`` where its status leads there (``TRANSITIONS``),
        appending to its history and writing the change's outbox event (``STATUS_EVENTS``) in
        one transaction; cancelling releases the order's stock.

        Raises :class:`UnknownOrderError`, or :class:`OrderTransitionError` (a shipped order
        cancelled, a placed one delivered, a final status changed).
        """
        ...

    async def orders_by_ids(self, order_ids: Sequence[str]) -> list[Order | None]: ...

    async def orders_for_user(
        self, user_id: str, first: int, after: str | None, *, stale_ok: bool = False
    ) -> Page:
        """Newest first; ``after`` is the last order id of the previous page. With
        ``stale_ok``, from the read replica when there is one (it may lag behind)."""
        ...

    async def lines_for_vendor(
        self, vendor_id: str, first: int, after: str | None, *, stale_ok: bool = False
    ) -> Page:
        """(order, its lines of this vendor) pairs, newest order first; ``stale_ok`` as for
        :meth:`orders_for_user`."""
        ...

    async def claim_outbox(
        self, limit: int, publish: Callable[[Sequence[OutboxEvent]], Awaitable[None]]
    ) -> int:
        """Publish unpublished outbox events in order and mark them; return how many."""
        ...

    async def outbox_backlog(self) -> int:
        """How many outbox events are not published yet."""
        ...

    async def close(self) -> None: ...


def new_order_id(at: datetime | None = None, tail: str | None = None) -> str:
    """Sortable by creation time: a millisecond timestamp (now, or ``at``), then randomness
    (or ``tail``, ten hex digits, for an id that must come out the same every time)."""
    millis = int((at.timestamp() if at is not None else time.time()) * 1000)
    return f"o-{millis:012x}{tail or secrets.token_hex(5)}"


class SqlOrderStore:
    def __init__(self, engine: AsyncEngine, replica: AsyncEngine | None = None) -> None:
        self.engine = engine
        """The primary: every write, and every read that must see the latest writes."""
        self.replica = replica
        """A read replica for the reads that may lag (``stale_ok``); None, they use the primary."""
        self.before_commit: Callable[[AsyncConnection], Awaitable[None]] | None = None
        """A failure-injection point: awaited inside ``place_order`` just before commit."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _reader(self, stale_ok: bool) -> AsyncEngine:
        return self.replica if stale_ok and self.replica is not None else self.engine

    async def stock_levels(self, product_ids: Sequence[str]) -> list[StockLevel | None]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(inventory).where(inventory.c.product_id.in_(list(product_ids)))
                )
            ).all()
        found = {r.product_id: _stock(r) for r in rows}
        return [found.get(p) for p in product_ids]

    async def save_stock(self, levels: Sequence[StockLevel], *, replace: bool = True) -> None:
        rows = [(level.product_id, {"vendor_id": level.vendor_id,
                                    "price_amount": level.price_amount,
                                    "currency": level.currency, "available": level.available})
                for level in levels]  # fmt: skip
        await self._write_stock(rows, _now(), update_existing=replace)

    async def follow_catalog(self, facts: Sequence[CatalogFacts], now: datetime) -> None:
        rows = [(fact.product_id, {"vendor_id": fact.vendor_id, "price_amount": fact.price_amount,
                                   "currency": fact.currency, "catalog_revision": fact.revision})
                for fact in facts]  # fmt: skip
        # Two followers can take a product's events in either order: older facts lose.
        await self._write_stock(rows, now, update_existing=True, by_revision=True)

    async def _write_stock(
        self, rows: Sequence[tuple[str, dict[str, Any]]], now: datetime, *,
        update_existing: bool, by_revision: bool = False,
    ) -> None:  # fmt: skip
        """Insert the missing rows (``available`` 0 unless given) and update (``update_existing``)
        the present ones with the columns given, each ``(product_id, columns)``; with
        ``by_revision``, only a row whose ``catalog_revision`` is not above the one given."""
        if not rows:
            return
        async with self.engine.begin() as conn:
            found = await conn.execute(select(inventory.c.product_id).where(
                inventory.c.product_id.in_([product_id for product_id, _ in rows])
            ))  # fmt: skip
            present = set(found.scalars())
            for product_id, columns in rows:
                values = {**columns, "updated_at": now}
                if product_id not in present:
                    await conn.execute(inventory.insert().values(
                        product_id=product_id, **{"available": 0, **values}
                    ))  # fmt: skip
                elif update_existing:
                    where = [inventory.c.product_id == product_id]
                    if by_revision:
                        where.append(inventory.c.catalog_revision <= values["catalog_revision"])
                    await conn.execute(update(inventory).where(*where).values(**values))

    async def set_available(self, product_id: str, available: int, now: datetime) -> StockLevel:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    update(inventory)
                    .where(inventory.c.product_id == product_id)
                    .values(available=available, updated_at=now)
                    .returning(*inventory.c)
                )
            ).first()
        if row is None:
            raise UnknownProductError(f"no stock record for product {product_id!r}")
        return _stock(row)

    async def order_for_key(self, user_id: str, idempotency_key: str) -> Order | None:
        async with self.engine.connect() as conn:
            order_id = (
                await conn.execute(
                    select(orders.c.id).where(
                        orders.c.user_id == user_id, orders.c.idempotency_key == idempotency_key
                    )
                )
            ).scalar()
            if order_id is None:
                return None
            [order] = await _load_orders(conn, [order_id])
        return order

    async def place_order(
        self, *, user_id: str, idempotency_key: str, lines: Sequence[CartLine],
        shipping: dict[str, Any], payment_reference: str, now: datetime,
        order_id: str | None = None,
    ) -> Order:  # fmt: skip
        order_id = order_id or new_order_id()
        try:
            async with self.engine.begin() as conn:
                # The order row first: a concurrent request with the same key waits here on the
                # unique index, then fails, instead of reserving stock twice.
                await conn.execute(orders.insert().values(
                    id=order_id, user_id=user_id, idempotency_key=idempotency_key,
                    status=OrderStatus.PLACED.value, currency="", total_amount=0,
                    shipping=shipping, payment_reference=payment_reference,
                    created_at=now, updated_at=now,
                ))  # fmt: skip
                items = [await _reserve(conn, n, line) for n, line in enumerate(lines, start=1)]
                currencies = {item.currency for item in items}
                if len(currencies) != 1:
                    raise OrderError("an order's items must share one currency")
                total = sum(item.unit_amount * item.quantity for item in items)
                await conn.execute(
                    update(orders)
                    .where(orders.c.id == order_id)
                    .values(currency=items[0].currency, total_amount=total)
                )
                await conn.execute(order_items.insert(), [
                    {"order_id": order_id, **item.__dict__} for item in items
                ])  # fmt: skip
                await conn.execute(order_status_history.insert().values(
                    order_id=order_id, seq=1, status=OrderStatus.PLACED.value, at=now,
                    note="order placed",
                ))  # fmt: skip
                await _append_event(conn, "OrderPlaced", {
                    "order_id": order_id, "user_id": user_id, "total_amount": total,
                    "currency": items[0].currency,
                    "items": [{"product_id": i.product_id, "vendor_id": i.vendor_id,
                               "quantity": i.quantity} for i in items],
                }, now)  # fmt: skip
                if self.before_commit is not None:
                    await self.before_commit(conn)
        except IntegrityError as error:
            if "idempotency" in str(error.orig) or "orders.user_id" in str(error.orig):
                raise DuplicateOrderError(f"idempotency key {idempotency_key!r} used") from error
            raise
        async with self.engine.connect() as conn:
            [order] = await _load_orders(conn, [order_id])
        return order

    async def cancel_order(self, order_id: str, note: str, now: datetime) -> Order:
        return await self.change_status(order_id, OrderStatus.CANCELLED, note, now)

    async def change_status(
        self, order_id: str, status: OrderStatus, note: str, now: datetime
    ) -> Order:
        async with self.engine.begin() as conn:
            # Conditional on the status it leaves, so two racing changes cannot both apply.
            changed = (
                await conn.execute(
                    update(orders)
                    .where(orders.c.id == order_id,
                           orders.c.status.in_([s.value for s in previous_statuses(status)]))
                    .values(status=status.value, updated_at=now)
                    .returning(orders.c.user_id)
                )
            ).first()  # fmt: skip
            if changed is None:
                current = (
                    await conn.execute(select(orders.c.status).where(orders.c.id == order_id))
                ).scalar()
                if current is None:
                    raise UnknownOrderError(f"no order {order_id!r}")
                raise OrderTransitionError(order_id, OrderStatus(current), status)
            items = (
                await conn.execute(select(order_items).where(order_items.c.order_id == order_id))
            ).all()
            if status is OrderStatus.CANCELLED:
                for item in items:
                    await conn.execute(
                        update(inventory)
                        .where(inventory.c.product_id == item.product_id)
                        .values(available=inventory.c.available + item.quantity, updated_at=now)
                    )
            seq = (
                await conn.execute(
                    select(func.max(order_status_history.c.seq)).where(
                        order_status_history.c.order_id == order_id
                    )
                )
            ).scalar_one()
            await conn.execute(order_status_history.insert().values(
                order_id=order_id, seq=int(seq) + 1, status=status.value, at=now, note=note,
            ))  # fmt: skip
            await _append_event(conn, STATUS_EVENTS[status], {
                "order_id": order_id, "user_id": changed.user_id, "status": status.value,
                "items": [{"product_id": i.product_id, "vendor_id": i.vendor_id,
                           "quantity": i.quantity} for i in items],
            }, now)  # fmt: skip
            [order] = await _load_orders(conn, [order_id])
        return order

    async def orders_by_ids(self, order_ids: Sequence[str]) -> list[Order | None]:
        async with self.engine.connect() as conn:
            found = {o.id: o for o in await _load_orders(conn, list(order_ids))}
        return [found.get(i) for i in order_ids]

    async def orders_for_user(
        self, user_id: str, first: int, after: str | None, *, stale_ok: bool = False
    ) -> Page:
        condition = orders.c.user_id == user_id
        if after is not None:
            condition = and_(condition, orders.c.id < after)
        async with self._reader(stale_ok).connect() as conn:
            ids = list(
                (
                    await conn.execute(
                        select(orders.c.id).where(condition).order_by(orders.c.id.desc())
                        .limit(first + 1)
                    )
                ).scalars()
            )  # fmt: skip
            found = {o.id: o for o in await _load_orders(conn, ids[:first])}
        return Page([found[i] for i in ids[:first]], len(ids) > first)

    async def lines_for_vendor(
        self, vendor_id: str, first: int, after: str | None, *, stale_ok: bool = False
    ) -> Page:
        condition = order_items.c.vendor_id == vendor_id
        if after is not None:
            condition = and_(condition, order_items.c.order_id < after)
        async with self._reader(stale_ok).connect() as conn:
            ids = list(
                (
                    await conn.execute(
                        select(order_items.c.order_id).where(condition).distinct()
                        .order_by(order_items.c.order_id.desc()).limit(first + 1)
                    )
                ).scalars()
            )  # fmt: skip
            found = {o.id: o for o in await _load_orders(conn, ids[:first])}
        pairs = [
            (found[i], [item for item in found[i].items if item.vendor_id == vendor_id])
            for i in ids[:first]
        ]
        return Page(pairs, len(ids) > first)

    async def claim_outbox(
        self, limit: int, publish: Callable[[Sequence[OutboxEvent]], Awaitable[None]]
    ) -> int:
        async with self.engine.begin() as conn:
            # Relays of several instances take turns (a transaction's lock, released at its
            # end, or when a crashed relay's connection goes): two relays taking rows side by
            # side would publish a later event before an earlier one.
            if self.dialect == "postgresql" and not await conn.scalar(
                select(func.pg_try_advisory_xact_lock(OUTBOX_LOCK))
            ):
                return 0
            query = (
                select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
                .limit(limit)
            )  # fmt: skip
            rows = (await conn.execute(query)).all()
            if not rows:
                return 0
            events = [OutboxEvent(r.id, r.stream, r.event_type, dict(r.payload), r.traceparent)
                      for r in rows]  # fmt: skip
            await publish(events)
            await conn.execute(
                update(outbox).where(outbox.c.id.in_([e.id for e in events]))
                .values(published_at=_now())
            )  # fmt: skip
        return len(events)

    async def outbox_backlog(self) -> int:
        async with self.engine.connect() as conn:
            query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            return int((await conn.execute(query)).scalar_one())

    async def close(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()


async def _reserve(conn: AsyncConnection, line_number: int, line: CartLine) -> OrderItem:
    row = (
        await conn.execute(
            update(inventory)
            .where(inventory.c.product_id == line.product_id,
                   inventory.c.available >= line.quantity)
            .values(available=inventory.c.available - line.quantity)
            .returning(inventory.c.vendor_id, inventory.c.price_amount, inventory.c.currency)
        )
    ).first()  # fmt: skip
    if row is None:
        known = (
            await conn.execute(
                select(inventory.c.product_id).where(inventory.c.product_id == line.product_id)
            )
        ).first()
        if known is None:
            raise UnknownProductError(f"product {line.product_id!r} is not sold here")
        raise OutOfStockError(line.product_id)
    return OrderItem(line_number, line.product_id, row.vendor_id, line.quantity,
                     row.price_amount, row.currency)  # fmt: skip


async def _append_event(
    conn: AsyncConnection, event_type: str, payload: dict[str, Any], now: datetime
) -> None:
    await conn.execute(outbox.insert().values(
        stream=ORDER_EVENTS_STREAM, event_type=event_type, payload=payload, created_at=now,
        traceparent=inject(dict[str, str]()).get("traceparent"),
    ))  # fmt: skip


async def _load_orders(conn: AsyncConnection, order_ids: list[str]) -> list[Order]:
    if not order_ids:
        return []
    rows = (await conn.execute(select(orders).where(orders.c.id.in_(order_ids)))).all()
    item_rows = (
        await conn.execute(
            select(order_items).where(order_items.c.order_id.in_(order_ids))
            .order_by(order_items.c.order_id, order_items.c.line)
        )
    ).all()  # fmt: skip
    history_rows = (
        await conn.execute(
            select(order_status_history)
            .where(order_status_history.c.order_id.in_(order_ids))
            .order_by(order_status_history.c.order_id, order_status_history.c.seq)
        )
    ).all()
    items: dict[str, list[OrderItem]] = {}
    for r in item_rows:
        items.setdefault(r.order_id, []).append(
            OrderItem(r.line, r.product_id, r.vendor_id, r.quantity, r.unit_amount, r.currency)
        )
    history: dict[str, list[StatusChange]] = {}
    for r in history_rows:
        history.setdefault(r.order_id, []).append(
            StatusChange(OrderStatus(r.status), _aware(r.at), r.note)
        )
    return [
        Order(
            id=r.id,
            user_id=r.user_id,
            idempotency_key=r.idempotency_key,
            status=OrderStatus(r.status),
            currency=r.currency,
            total_amount=r.total_amount,
            shipping=dict(r.shipping),
            payment_reference=r.payment_reference,
            created_at=_aware(r.created_at),
            updated_at=_aware(r.updated_at),
            items=items.get(r.id, []),
            history=history.get(r.id, []),
        )
        for r in rows
    ]


def _stock(row: Any) -> StockLevel:
    return StockLevel(row.product_id, row.vendor_id, row.price_amount, row.currency,
                      row.available)  # fmt: skip


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)
