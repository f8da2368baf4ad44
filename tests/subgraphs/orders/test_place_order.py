"""Placing orders under concurrency and failure, on the PostgreSQL and Redis test servers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from graphql import GraphQLError
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from datastores.sql import asyncpg_url
from subgraphs.common.auth import Viewer
from subgraphs.orders.carts import Carts, user_cart_id
from subgraphs.orders.model import Order, OrderStatus, StockLevel
from subgraphs.orders.payments import SandboxPayments
from subgraphs.orders.service import OrdersService, StockCache
from subgraphs.orders.store import SqlOrderStore
from subgraphs.orders.tables import orders, outbox
from tests.support.sql import postgres_database

SHIPPING = {"recipient": "Alice", "line1": "1 Main St", "city": "Oslo", "postal_code": "0150",
            "country": "NO"}  # fmt: skip
CARD = "4242 4242 4242 4242"


@dataclass
class Shop:
    service: OrdersService
    store: SqlOrderStore
    payments: SandboxPayments
    carts: Carts
    product: str
    postgres_url: str

    async def available(self) -> int:
        [level] = await self.store.stock_levels([self.product])
        assert level is not None
        return level.available

    async def count(self, table: object) -> int:
        async with self.store.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
async def shop(postgres_url: str, redis_url: str) -> AsyncIterator[Shop]:
    async with postgres_database(postgres_url) as engine:
        redis: Redis = Redis.from_url(redis_url, decode_responses=True)
        store = SqlOrderStore(engine)
        product = f"p-{uuid.uuid4().hex[:8]}"
        await store.save_stock([StockLevel(product, "v-01", 500, "EUR", 10)])
        payments = SandboxPayments()
        carts = Carts(redis)
        yield Shop(OrdersService(store, carts, payments, StockCache(redis)), store, payments,
                   carts, product, postgres_url)  # fmt: skip
        await redis.aclose()


def customer(n: int) -> Viewer:
    return Viewer(subject=f"u-{uuid.uuid4().hex[:6]}-{n}", roles=frozenset({"customer"}))


async def test_50_concurrent_orders_for_10_in_stock_make_exactly_10(shop: Shop) -> None:
    viewers = [customer(n) for n in range(50)]
    for viewer in viewers:
        await shop.carts.add(user_cart_id(str(viewer.subject)), shop.product, 1)

    async def order(viewer: Viewer) -> object:
        return await shop.service.place_order(viewer, cart_id=None,
                                              idempotency_key=f"key-{viewer.subject}",
                                              shipping=SHIPPING, card_number=CARD)  # fmt: skip

    results = await asyncio.gather(*(order(v) for v in viewers), return_exceptions=True)
    placed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(placed) == 10
    assert all(isinstance(r, GraphQLError) and (r.extensions or {}).get("code") == "OUT_OF_STOCK"
               for r in refused), refused[:3]  # fmt: skip
    assert await shop.available() == 0
    assert await shop.count(orders) == 10
    assert len(shop.payments.voided) == 40, "every refused order's authorization is voided"


async def test_20_retries_of_one_idempotency_key_make_one_order(shop: Shop) -> None:
    viewer = customer(0)
    await shop.carts.add(user_cart_id(str(viewer.subject)), shop.product, 2)
    results = await asyncio.gather(*(
        shop.service.place_order(viewer, cart_id=None, idempotency_key="retry-key-1",
                                 shipping=SHIPPING, card_number=CARD)
        for _ in range(20)
    ))  # fmt: skip
    assert len({order.id for order in results}) == 1
    assert await shop.count(orders) == 1
    assert await shop.available() == 8
    assert await shop.carts.lines(user_cart_id(str(viewer.subject))) == []


def code(error: object) -> object:
    return (error.extensions or {}).get("code") if isinstance(error, GraphQLError) else error


async def test_one_cart_submitted_5_times_at_once_with_5_keys_makes_one_order(shop: Shop) -> None:
    viewer = customer(0)
    cart = user_cart_id(str(viewer.subject))
    await shop.carts.add(cart, shop.product, 2)

    async def order(key: str) -> Order:
        return await shop.service.place_order(viewer, cart_id=None, idempotency_key=key,
                                              shipping=SHIPPING, card_number=CARD)  # fmt: skip

    keys = [f"double-submit-{n}" for n in range(5)]
    results = await asyncio.gather(*(order(key) for key in keys), return_exceptions=True)
    placed = [(key, r) for key, r in zip(keys, results, strict=True) if isinstance(r, Order)]
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(placed) == 1, results
    assert [code(r) for r in refused] == ["CART_ALREADY_ORDERED"] * 4, refused
    assert await shop.count(orders) == 1
    assert await shop.available() == 8
    assert len(shop.payments.authorized) == 1, "a refused submission never reaches the payment"
    assert await shop.carts.lines(cart) == []

    [(winner, first)] = placed
    again = await order(winner)  # a retry with the first key: the same order
    assert again.id == first.id
    with pytest.raises(GraphQLError) as late:  # a late submission with yet another key
        await order("double-submit-late")
    assert late.value.extensions == {"code": "CART_ALREADY_ORDERED"}
    assert await shop.count(orders) == 1

    await shop.carts.add(cart, shop.product, 1)  # a changed cart is a new order
    assert (await order("double-submit-next")).id != first.id
    assert await shop.count(orders) == 2


async def test_a_declined_payment_leaves_the_cart_orderable(shop: Shop) -> None:
    viewer = customer(0)
    cart = user_cart_id(str(viewer.subject))
    await shop.carts.add(cart, shop.product, 1)
    with pytest.raises(GraphQLError, match="card_declined"):
        await shop.service.place_order(viewer, cart_id=None, idempotency_key="declined-first",
                                       shipping=SHIPPING,
                                       card_number="4000 0000 0000 0002")  # fmt: skip
    assert await shop.carts.lines(cart) != []
    order = await shop.service.place_order(viewer, cart_id=None, idempotency_key="another-card",
                                           shipping=SHIPPING, card_number=CARD)  # fmt: skip
    assert [(i.product_id, i.quantity) for i in order.items] == [(shop.product, 1)]
    assert await shop.count(orders) == 1


async def test_a_failed_order_transaction_leaves_the_cart_orderable(shop: Shop) -> None:
    viewer = customer(0)
    await shop.carts.add(user_cart_id(str(viewer.subject)), shop.product, 12)
    with pytest.raises(GraphQLError) as refused:
        await shop.service.place_order(viewer, cart_id=None, idempotency_key="too-many-1",
                                       shipping=SHIPPING, card_number=CARD)  # fmt: skip
    assert refused.value.extensions == {"code": "OUT_OF_STOCK"}
    await shop.store.set_available(shop.product, 20, datetime.now(UTC))  # the cart is unchanged
    order = await shop.service.place_order(viewer, cart_id=None, idempotency_key="too-many-2",
                                           shipping=SHIPPING, card_number=CARD)  # fmt: skip
    assert order.status == OrderStatus.PLACED
    assert await shop.available() == 8


async def _terminate_own_backend(conn: AsyncConnection, server_url: str) -> None:
    pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    admin = create_async_engine(asyncpg_url(server_url))
    async with admin.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await admin.dispose()


async def test_a_connection_killed_before_commit_leaves_nothing_then_a_retry_works(
    shop: Shop,
) -> None:
    viewer = customer(0)
    await shop.carts.add(user_cart_id(str(viewer.subject)), shop.product, 3)

    async def kill(conn: AsyncConnection) -> None:
        await _terminate_own_backend(conn, shop.postgres_url)

    shop.store.before_commit = kill
    # The commit fails on the dead connection (how asyncpg words it varies with timing).
    with pytest.raises((DBAPIError, OSError)):
        await shop.service.place_order(viewer, cart_id=None, idempotency_key="killed-key-1",
                                       shipping=SHIPPING, card_number=CARD)  # fmt: skip
    assert await shop.available() == 10, "the reservation was rolled back"
    assert await shop.count(orders) == 0
    assert await shop.count(outbox) == 0, "no event for an order that does not exist"
    assert len(shop.payments.voided) == 1
    assert len(await shop.carts.lines(user_cart_id(str(viewer.subject)))) == 1, "cart kept"

    shop.store.before_commit = None
    order = await shop.service.place_order(viewer, cart_id=None, idempotency_key="killed-key-1",
                                           shipping=SHIPPING, card_number=CARD)  # fmt: skip
    assert order.status == OrderStatus.PLACED
    assert [(i.product_id, i.quantity) for i in order.items] == [(shop.product, 3)]
    assert await shop.available() == 7
    assert await shop.count(outbox) == 1


async def test_a_declined_payment_reserves_nothing(shop: Shop) -> None:
    viewer = customer(0)
    await shop.carts.add(user_cart_id(str(viewer.subject)), shop.product, 1)
    with pytest.raises(GraphQLError, match="insufficient_funds") as raised:
        await shop.service.place_order(
            viewer, cart_id=None, idempotency_key="declined-1", shipping=SHIPPING,
            card_number="4000 0000 0000 9995",
        )  # fmt: skip
    assert raised.value.extensions == {"code": "PAYMENT_DECLINED"}
    assert await shop.available() == 10
    assert await shop.count(orders) == 0


async def test_cancel_releases_the_stock(shop: Shop) -> None:
    viewer = customer(0)
    await shop.carts.add(user_cart_id(str(viewer.subject)), shop.product, 4)
    order = await shop.service.place_order(viewer, cart_id=None, idempotency_key="cancel-1",
                                           shipping=SHIPPING, card_number=CARD)  # fmt: skip
    assert await shop.available() == 6
    cancelled = await shop.service.cancel_order(viewer, order.id)
    assert cancelled.status == OrderStatus.CANCELLED
    assert await shop.available() == 10
    assert order.payment_reference in shop.payments.voided
    with pytest.raises(GraphQLError, match="no order"):
        await shop.service.cancel_order(customer(1), order.id)
