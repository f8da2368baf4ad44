"""The orders subgraph's rules: who may do what, input checks, and placing an order.

Placing an order: the cart is claimed first (one idempotency key per cart: a second key for
the same cart gets ``CART_ALREADY_ORDERED``, never a second order), then the payment is
authorized (no stock is held during the call to the payment provider, and a declined payment
never touches stock), then one database transaction reserves the stock and creates the order
with its ``OrderPlaced`` outbox event. If that transaction fails (out of stock, a lost
connection) the authorization is voided. A failed attempt releases the cart's claim, so the
cart can be ordered again. A repeated idempotency key returns the order it created, however
many requests race with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from graphql import GraphQLError
from prometheus_client import Counter
from redis.asyncio import Redis

from observability.metrics import service_registry
from subgraphs.common.auth import Viewer
from subgraphs.common.errors import client_error
from subgraphs.common.events import announce_changes
from subgraphs.common.permissions import CATALOG_WRITE, ORDERS_WRITE, require_scope
from subgraphs.orders.carts import ANONYMOUS_ID, CartError, Carts, ClaimOutcome, user_cart_id
from subgraphs.orders.feed import STOCK_CHANGES
from subgraphs.orders.model import CartLine, Order, OrderItem, OrderStatus, StockLevel
from subgraphs.orders.payments import PaymentProvider, card_digits
from subgraphs.orders.store import (
    DuplicateOrderError,
    OrderError,
    OrderStore,
)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_STOCK = 1_000_000
STOCK_CACHE_TTL = 300
STATUS_NOTES = {OrderStatus.SHIPPED: "handed to the carrier",
                OrderStatus.DELIVERED: "delivered to the customer"}  # fmt: skip
SHIPPING_FIELDS = {"recipient": 100, "line1": 200, "line2": 200, "city": 100, "postal_code": 20}


CHECKOUTS = Counter(
    "shopgraph_orders_checkouts_total",
    "Orders attempted from a cart, by outcome: placed, declined (payment), out_of_stock, or "
    "refused (another client error).",
    ["outcome"],
    registry=service_registry("orders"),
)
_OUTCOMES = {"PAYMENT_DECLINED": "declined", "OUT_OF_STOCK": "out_of_stock"}


class StockCache:
    """Stock levels cached in Redis (``stock:<product id>``); every change deletes the entry."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def get_many(self, product_ids: Sequence[str]) -> list[StockLevel | None]:
        if not product_ids:
            return []
        raw = await self.redis.mget([f"stock:{p}" for p in product_ids])
        return [StockLevel(**orjson.loads(value)) if value else None for value in raw]

    async def put_many(self, levels: Sequence[StockLevel]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for level in levels:
                pipe.set(f"stock:{level.product_id}", orjson.dumps(level.__dict__),
                         ex=STOCK_CACHE_TTL)  # fmt: skip
            await pipe.execute()

    async def invalidate(self, product_ids: Sequence[str]) -> None:
        if product_ids:
            await self.redis.delete(*[f"stock:{p}" for p in product_ids])
            await announce_changes(self.redis, "Product", product_ids)
            for product_id in product_ids:  # for the stockChanged subscriptions
                await self.redis.publish(STOCK_CHANGES, product_id)


class OrdersService:
    def __init__(
        self, store: OrderStore, carts: Carts, payments: PaymentProvider, cache: StockCache
    ) -> None:
        self.store = store
        self.carts = carts
        self.payments = payments
        self.cache = cache

    # -- stock ---------------------------------------------------------------------------

    async def stock_levels(self, product_ids: Sequence[str]) -> list[StockLevel | None]:
        """Through the cache; misses are read in one query and cached."""
        cached = await self.cache.get_many(product_ids)
        missing = [p for p, level in zip(product_ids, cached, strict=True) if level is None]
        if missing:
            loaded = dict(zip(missing, await self.store.stock_levels(missing), strict=True))
            await self.cache.put_many([level for level in loaded.values() if level is not None])
            cached = [level or loaded.get(p) for p, level in zip(product_ids, cached, strict=True)]
        return cached

    async def set_stock(self, viewer: Viewer, product_id: str, available: int) -> StockLevel:
        if not 0 <= available <= MAX_STOCK:
            raise client_error(f"available must be 0 to {MAX_STOCK}", "BAD_USER_INPUT")
        [level] = await self.store.stock_levels([product_id])
        if level is None:
            raise client_error(f"no stock record for product {product_id!r}", "NOT_FOUND")
        require_stock_access(viewer, level)
        require_scope(viewer, CATALOG_WRITE)
        updated = await self.store.set_available(product_id, available, datetime.now(UTC))
        await self.cache.invalidate([product_id])
        return updated

    # -- carts -----------------------------------------------------------------------------

    def cart_id_for(self, viewer: Viewer, cart_id: str | None) -> str:
        """The cart a request may use: its anonymous cart, or the signed-in user's own."""
        require_scope(viewer, ORDERS_WRITE)
        if cart_id is None or cart_id == "me":
            if not viewer.authenticated:
                raise client_error("sign in, or pass an anonymous cart id", "UNAUTHENTICATED")
            return user_cart_id(str(viewer.subject))
        if ANONYMOUS_ID.match(cart_id):
            return cart_id
        if viewer.authenticated and cart_id == user_cart_id(str(viewer.subject)):
            return cart_id
        raise client_error(f"cart {cart_id!r} is not yours", "FORBIDDEN")

    async def add_to_cart(self, viewer: Viewer, cart_id: str | None, product_id: str,
                          quantity: int) -> tuple[str, list[CartLine]]:  # fmt: skip
        cart = self.cart_id_for(viewer, cart_id)
        if quantity < 1:
            raise client_error("quantity must be at least 1", "BAD_USER_INPUT")
        [level] = await self.stock_levels([product_id])
        if level is None:
            raise client_error(f"product {product_id!r} is not sold here", "NOT_FOUND")
        try:
            return cart, await self.carts.add(cart, product_id, quantity)
        except CartError as error:
            raise client_error(str(error), "BAD_USER_INPUT") from error

    async def set_cart_quantity(self, viewer: Viewer, cart_id: str | None, product_id: str,
                                quantity: int) -> tuple[str, list[CartLine]]:  # fmt: skip
        cart = self.cart_id_for(viewer, cart_id)
        try:
            return cart, await self.carts.set_quantity(cart, product_id, quantity)
        except CartError as error:
            raise client_error(str(error), "BAD_USER_INPUT") from error

    async def merge_cart(self, viewer: Viewer, anonymous_id: str) -> tuple[str, list[CartLine]]:
        if not viewer.authenticated:
            raise client_error("sign in to merge a cart", "UNAUTHENTICATED")
        require_scope(viewer, ORDERS_WRITE)
        if not ANONYMOUS_ID.match(anonymous_id):
            raise client_error(f"{anonymous_id!r} is not an anonymous cart id", "BAD_USER_INPUT")
        user_id = str(viewer.subject)
        try:
            return user_cart_id(user_id), await self.carts.merge(anonymous_id, user_id)
        except CartError as error:
            raise client_error(str(error), "BAD_USER_INPUT") from error

    # -- orders ----------------------------------------------------------------------------

    async def place_order(
        self, viewer: Viewer, *, cart_id: str | None, idempotency_key: str,
        shipping: dict[str, Any], card_number: str,
    ) -> Order:  # fmt: skip
        if not viewer.authenticated:
            raise client_error("sign in to place an order", "UNAUTHENTICATED")
        require_scope(viewer, ORDERS_WRITE)
        user_id = str(viewer.subject)
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise client_error("idempotencyKey must be 8 to 100 letters, digits, '-' or '_'",
                               "BAD_USER_INPUT")  # fmt: skip
        address = check_shipping(shipping)
        card = card_digits(card_number)
        if card is None:
            raise client_error("payment.cardNumber is not a valid card number", "BAD_USER_INPUT")
        cart = self.cart_id_for(viewer, cart_id)
        existing = await self.store.order_for_key(user_id, idempotency_key)
        if existing is not None:
            return existing
        try:
            claim = await self.carts.claim(cart, user_id, idempotency_key)
        except CartError as error:
            raise client_error(str(error), "BAD_USER_INPUT") from error
        if claim.outcome is ClaimOutcome.ORDERED:  # by a retry of this key that just finished
            placed = await self.store.order_for_key(user_id, idempotency_key)
            if placed is not None:
                return placed
        if claim.outcome is not ClaimOutcome.CLAIMED:
            raise client_error(
                f"cart {cart!r} is ordered, or being ordered, with another idempotency key: "
                "retry with that key, or change the cart to order again", "CART_ALREADY_ORDERED",
            )  # fmt: skip
        created = False
        try:
            order, created = await self._order_lines(user_id, idempotency_key, claim.lines,
                                                     address, card)  # fmt: skip
        except GraphQLError as error:
            code = (error.extensions or {}).get("code")
            CHECKOUTS.labels(_OUTCOMES.get(str(code), "refused")).inc()
            raise
        finally:
            if not created:  # failed, or a retry of the key that another attempt won
                await self.carts.release(cart, user_id, idempotency_key)
        if created:
            CHECKOUTS.labels("placed").inc()
            await self.carts.complete(cart, user_id, idempotency_key)
            await self.cache.invalidate([item.product_id for item in order.items])
        return order

    async def _order_lines(self, user_id: str, idempotency_key: str, lines: list[CartLine],
                           address: dict[str, str], card: str) -> tuple[Order, bool]:  # fmt: skip
        """Pay for ``lines`` and create their order in one transaction (see the module doc);
        the order, and whether this call created it rather than found it."""
        if not lines:
            # A retry racing with the request that placed the order (and emptied the cart).
            placed = await self.store.order_for_key(user_id, idempotency_key)
            if placed is not None:
                return placed, False
            raise client_error("the cart is empty", "BAD_USER_INPUT")
        levels = await self.store.stock_levels([line.product_id for line in lines])
        amount, currency = 0, ""
        for line, level in zip(lines, levels, strict=True):
            if level is None:
                raise client_error(f"product {line.product_id!r} is not sold here", "NOT_FOUND")
            amount += line.quantity * level.price_amount
            currency = level.currency
        payment = await self.payments.authorize(amount, currency, card)
        if not payment.approved:
            raise client_error(f"payment declined: {payment.decline_reason}", "PAYMENT_DECLINED")
        try:
            order = await self.store.place_order(
                user_id=user_id, idempotency_key=idempotency_key, lines=lines,
                shipping=address, payment_reference=payment.reference, now=datetime.now(UTC),
            )  # fmt: skip
        except DuplicateOrderError:
            await self.payments.void(payment.reference)
            raced = await self.store.order_for_key(user_id, idempotency_key)
            if raced is None:  # pragma: no cover - the unique index says it exists
                raise
            return raced, False
        except OrderError as error:
            await self.payments.void(payment.reference)
            raise client_error(str(error), error.code) from error
        except BaseException:
            await self.payments.void(payment.reference)
            raise
        return order, True

    async def cancel_order(self, viewer: Viewer, order_id: str) -> Order:
        if not viewer.authenticated:
            raise client_error("sign in to cancel an order", "UNAUTHENTICATED")
        require_scope(viewer, ORDERS_WRITE)
        [order] = await self.store.orders_by_ids([order_id])
        if order is None or not (viewer.is_admin or order.user_id == viewer.subject):
            raise client_error(f"no order {order_id!r}", "NOT_FOUND")
        note = "cancelled by an admin" if viewer.is_admin else "cancelled by the customer"
        try:
            cancelled = await self.store.cancel_order(order_id, note, datetime.now(UTC))
        except OrderError as error:
            raise client_error(str(error), error.code) from error
        await self.payments.void(order.payment_reference)
        await self.cache.invalidate([item.product_id for item in order.items])
        return cancelled

    async def update_order_status(self, viewer: Viewer, order_id: str,
                                  status: OrderStatus) -> Order:  # fmt: skip
        """An operator moves an order on: PLACED → SHIPPED → DELIVERED, or cancels a placed
        one (as :meth:`cancel_order` does: the stock is released, the payment voided)."""
        if not viewer.authenticated:
            raise client_error("sign in to change an order's status", "UNAUTHENTICATED")
        if not viewer.is_admin:
            raise client_error("only admins change an order's status", "FORBIDDEN")
        require_scope(viewer, ORDERS_WRITE)
        if status is OrderStatus.CANCELLED:
            return await self.cancel_order(viewer, order_id)
        if status is OrderStatus.PLACED:
            raise client_error("an order is PLACED only when it is placed", "ORDER_TRANSITION")
        try:
            return await self.store.change_status(order_id, status, STATUS_NOTES[status],
                                                  datetime.now(UTC))  # fmt: skip
        except OrderError as error:
            raise client_error(str(error), error.code) from error


def check_shipping(shipping: dict[str, Any]) -> dict[str, str]:
    address: dict[str, str] = {}
    for name, limit in SHIPPING_FIELDS.items():
        value = str(shipping.get(name) or "").strip()
        if not value and name != "line2":
            raise client_error(f"shipping.{_camel(name)} is required", "BAD_USER_INPUT")
        if len(value) > limit:
            raise client_error(f"shipping.{_camel(name)} is longer than {limit} characters",
                               "BAD_USER_INPUT")  # fmt: skip
        address[name] = value
    country = str(shipping.get("country") or "").strip().upper()
    if not COUNTRY.match(country):
        raise client_error("shipping.country must be an ISO 3166 two-letter code",
                           "BAD_USER_INPUT")  # fmt: skip
    address["country"] = country
    return address


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def require_stock_access(viewer: Viewer, level: StockLevel) -> None:
    """Admins, and the vendor that sells the product; nobody else changes stock."""
    if viewer.is_admin:
        return
    if not viewer.authenticated:
        raise client_error("sign in to change stock", "UNAUTHENTICATED")
    if viewer.vendor_id is None or viewer.vendor_id != level.vendor_id:
        raise client_error("only the product's vendor or an admin may do this", "FORBIDDEN")


def may_read_stock(viewer: Viewer, level: StockLevel) -> bool:
    """A vendor reads only its own products' stock; customers, guests and admins read all."""
    if viewer.is_admin or viewer.vendor_id is None:
        return True
    return viewer.vendor_id == level.vendor_id


def visible_items(viewer: Viewer, order: Order) -> list[OrderItem] | None:
    """The lines of ``order`` the viewer may see; None when the order is not theirs at all.

    The customer who placed it and admins see every line; a vendor sees its own lines only.
    """
    if viewer.is_admin or (viewer.authenticated and viewer.subject == order.user_id):
        return order.items
    if viewer.vendor_id is not None:
        mine = [item for item in order.items if item.vendor_id == viewer.vendor_id]
        return mine or None
    return None


def forbidden(message: str) -> GraphQLError:
    return client_error(message, "FORBIDDEN")
