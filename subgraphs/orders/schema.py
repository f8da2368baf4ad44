"""The orders subgraph's GraphQL schema (strawberry, Federation v2).

It owns ``Order`` and carts, and contributes ``Product.stock`` and ``User.orders`` to entities
other subgraphs own. Who sees what is decided per field, whichever path a query takes (a root
field or ``_entities``): a customer sees their own orders; a vendor sees only its own order
lines and its own products' stock; an admin sees everything.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from aiodataloader import DataLoader
from strawberry.federation.schema_directives import Authenticated, Cost, Policy
from strawberry.types import Info

from subgraphs.common.auth import Viewer
from subgraphs.common.cache_control import PRIVATE, CacheControl
from subgraphs.common.consistency import may_lag
from subgraphs.common.demand_control import PAGE_ITEMS, assumed, page_of
from subgraphs.common.errors import client_error
from subgraphs.common.pagination import decode_cursor, encode_cursor, page_size
from subgraphs.common.permissions import CATALOG_WRITE, ORDERS_READ, ORDERS_WRITE, require_scope
from subgraphs.common.schema import CodedSchema
from subgraphs.common.types import Money, PageInfo
from subgraphs.orders import model
from subgraphs.orders.carts import MAX_LINES, new_cart_id
from subgraphs.orders.feed import FeedEvent, OrderFeed
from subgraphs.orders.service import OrdersService, may_read_stock, visible_items


class Loaders:
    """Per request: one store (or cache) round trip per entity type."""

    def __init__(self, service: OrdersService) -> None:
        self.stock = DataLoader[str, model.StockLevel | None](service.stock_levels)
        self.order = DataLoader[str, model.Order | None](service.store.orders_by_ids)


@dataclass
class Context:
    viewer: Viewer
    service: OrdersService
    loaders: Loaders
    feed: OrderFeed | None = None
    """The events subscriptions follow (one reader per process)."""


OrdersInfo = Info[Context, None]
# One SQL query per user (a keyset page), where the loaders batch the entity lookups.
PAGE_QUERY = 5
# Authorizes the payment with the provider, then reserves stock and writes the order, its
# lines, its history and an outbox event in one transaction.
PLACE_ORDER = 50
# Releases the stock and writes an event in one transaction, then voids the payment (a
# status change by an admin costs the same: at most that).
CANCEL_ORDER = 20
# What the router checks before planning; the resolvers check it again, and more.
READS_ORDERS = [Authenticated(), Policy(policies=[[ORDERS_READ]])]
WRITES_ORDERS = [Authenticated(), Policy(policies=[[ORDERS_WRITE]])]
WRITES_CATALOG = [Authenticated(), Policy(policies=[[CATALOG_WRITE]])]


@strawberry.type(directives=[CacheControl(max_age=5)])
class Stock:
    available: int
    in_stock: bool

    @classmethod
    def of(cls, level: model.StockLevel) -> Stock:
        return cls(available=level.available, in_stock=level.available > 0)


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return cls(id=id)

    @strawberry.field(description="Null when the product is not sold here. A vendor reads only "
                      "its own products' stock.")  # fmt: skip
    async def stock(self, info: OrdersInfo) -> Stock | None:
        level = await info.context.loaders.stock.load(str(self.id))
        if level is None:
            return None
        if not may_read_stock(info.context.viewer, level):
            raise client_error("vendors see only their own products' stock", "FORBIDDEN")
        return Stock.of(level)


@strawberry.enum(description="PLACED → SHIPPED → DELIVERED, or PLACED → CANCELLED.")
class OrderStatus(Enum):
    PLACED = "PLACED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


@strawberry.type(directives=[PRIVATE])
class OrderItem:
    line: int
    product: Product
    vendor_id: strawberry.ID
    quantity: int
    unit_price: Money
    line_total: Money

    @classmethod
    def of(cls, item: model.OrderItem) -> OrderItem:
        return cls(
            line=item.line, product=Product(id=strawberry.ID(item.product_id)),
            vendor_id=strawberry.ID(item.vendor_id), quantity=item.quantity,
            unit_price=Money(amount=item.unit_amount, currency=item.currency),
            line_total=Money(amount=item.unit_amount * item.quantity, currency=item.currency),
        )  # fmt: skip


@strawberry.type(directives=[PRIVATE])
class OrderStatusChange:
    status: OrderStatus
    at: datetime
    note: str


@strawberry.type(directives=[PRIVATE])
class ShippingAddress:
    recipient: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str


@strawberry.federation.type(keys=["id"], directives=[PRIVATE])
class Order:
    id: strawberry.ID
    status: OrderStatus
    created_at: datetime
    record: strawberry.Private[model.Order]
    lines: strawberry.Private[list[model.OrderItem]]

    @classmethod
    def visible(cls, viewer: Viewer, order: model.Order | None) -> Order | None:
        """The order as ``viewer`` may see it, or None when it is none of theirs."""
        if order is None:
            return None
        lines = visible_items(viewer, order)
        if lines is None:
            return None
        return cls(id=strawberry.ID(order.id), status=OrderStatus(order.status.value),
                   created_at=order.created_at, record=order, lines=lines)  # fmt: skip

    @classmethod
    async def resolve_reference(cls, info: OrdersInfo, id: strawberry.ID) -> Order | None:
        return cls.visible(info.context.viewer, await info.context.loaders.order.load(str(id)))

    @strawberry.field(description="Every line for the customer and admins; a vendor's own "
                      "lines for a vendor.", directives=[assumed(MAX_LINES)])  # fmt: skip
    def items(self) -> list[OrderItem]:
        return [OrderItem.of(item) for item in self.lines]

    @strawberry.field(description="The order's total; for a vendor, the total of its lines.")
    def total(self) -> Money:
        amount = sum(item.unit_amount * item.quantity for item in self.lines)
        return Money(amount=amount, currency=self.record.currency)

    # The longest history: placed, shipped, delivered.
    @strawberry.field(directives=[assumed(3)])
    def history(self) -> list[OrderStatusChange]:
        return [OrderStatusChange(status=OrderStatus(h.status.value), at=h.at, note=h.note)
                for h in self.record.history]  # fmt: skip

    @strawberry.field
    def shipping(self) -> ShippingAddress:
        s = self.record.shipping
        return ShippingAddress(recipient=s["recipient"], line1=s["line1"], line2=s.get("line2", ""),
                               city=s["city"], postal_code=s["postal_code"],
                               country=s["country"])  # fmt: skip

    @strawberry.field
    def user(self) -> User:
        return User(id=strawberry.ID(self.record.user_id))


@strawberry.type(directives=[PRIVATE])
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type(directives=[PRIVATE])
class OrderConnection:
    edges: list[OrderEdge] = strawberry.field(directives=[PAGE_ITEMS])
    page_info: PageInfo


def _connection(orders: list[Order], has_next: bool) -> OrderConnection:
    edges = [OrderEdge(cursor=encode_cursor(str(o.id)), node=o) for o in orders]
    return OrderConnection(edges=edges, page_info=PageInfo(
        has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None,
    ))  # fmt: skip


@strawberry.federation.type(keys=["id"], directives=[PRIVATE])
class User:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)

    @strawberry.field(description="Newest first. Only the user themself and admins.",
                      directives=[page_of("edges"), Cost(weight=PAGE_QUERY),
                                  *READS_ORDERS])  # fmt: skip
    async def orders(self, info: OrdersInfo, first: int = 10,
                     after: str | None = None) -> OrderConnection:  # fmt: skip
        viewer = info.context.viewer
        if not viewer.authenticated:
            raise client_error("sign in to see orders", "UNAUTHENTICATED")
        if not (viewer.is_admin or viewer.subject == str(self.id)):
            raise client_error("only the user and admins see a user's orders", "FORBIDDEN")
        require_scope(viewer, ORDERS_READ)
        page = await info.context.service.store.orders_for_user(
            str(self.id), page_size(first), decode_cursor(after), stale_ok=may_lag(info)
        )
        shown = [Order.visible(viewer, o) for o in page.items]
        return _connection([o for o in shown if o is not None], page.has_next)


@strawberry.type(directives=[PRIVATE])
class CartItem:
    product: Product
    quantity: int


@strawberry.type(directives=[PRIVATE])
class Cart:
    id: strawberry.ID
    items: list[CartItem] = strawberry.field(directives=[assumed(MAX_LINES)])

    @classmethod
    def of(cls, cart_id: str, lines: list[model.CartLine]) -> Cart:
        return cls(id=strawberry.ID(cart_id), items=[
            CartItem(product=Product(id=strawberry.ID(line.product_id)), quantity=line.quantity)
            for line in lines
        ])  # fmt: skip


@strawberry.input
class ShippingInput:
    recipient: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


@strawberry.input
class PaymentInput:
    card_number: str = strawberry.field(description="Sandbox: 4242 4242 4242 4242 approves, "
                                        "4000 0000 0000 0002 declines.")  # fmt: skip


@strawberry.input
class PlaceOrderInput:
    cart_id: strawberry.ID | None = strawberry.field(
        default=None, description="An anonymous cart id; the signed-in user's cart when null."
    )
    idempotency_key: str = strawberry.field(description="Retrying with the same key returns "
                                            "the same order.")  # fmt: skip
    shipping: ShippingInput
    payment: PaymentInput


@strawberry.type
class Query:
    @strawberry.field(description="An order the viewer may see, else null.",
                      directives=READS_ORDERS)  # fmt: skip
    async def order(self, info: OrdersInfo, id: strawberry.ID) -> Order | None:
        require_scope(info.context.viewer, ORDERS_READ)
        return await Order.resolve_reference(info, id)

    @strawberry.field(description="An anonymous cart by id, or the signed-in user's cart.")
    async def cart(self, info: OrdersInfo, id: strawberry.ID | None = None) -> Cart:
        cart_id = info.context.service.cart_id_for(info.context.viewer, _id(id))
        return Cart.of(cart_id, await info.context.service.carts.lines(cart_id))

    @strawberry.field(description="Orders with lines of the signed-in vendor, newest first; "
                      "each shows only that vendor's lines.",
                      directives=[page_of("edges"), Cost(weight=PAGE_QUERY),
                                  *READS_ORDERS])  # fmt: skip
    async def vendor_orders(self, info: OrdersInfo, first: int = 20,
                            after: str | None = None) -> OrderConnection:  # fmt: skip
        viewer = info.context.viewer
        if viewer.vendor_id is None:
            raise client_error("only vendors have vendor orders", "FORBIDDEN")
        require_scope(viewer, ORDERS_READ)
        page = await info.context.service.store.lines_for_vendor(
            viewer.vendor_id, page_size(first), decode_cursor(after), stale_ok=may_lag(info)
        )
        shown = [Order.visible(viewer, order) for order, _ in page.items]
        return _connection([o for o in shown if o is not None], page.has_next)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new, empty anonymous cart.")
    def create_cart(self) -> Cart:
        return Cart.of(new_cart_id(), [])

    @strawberry.mutation
    async def add_to_cart(
        self, info: OrdersInfo, product_id: strawberry.ID, quantity: int = 1,
        cart_id: strawberry.ID | None = None,
    ) -> Cart:  # fmt: skip
        cart, lines = await info.context.service.add_to_cart(
            info.context.viewer, _id(cart_id), str(product_id), quantity
        )
        return Cart.of(cart, lines)

    @strawberry.mutation(description="0 removes the product from the cart.")
    async def set_cart_quantity(
        self, info: OrdersInfo, product_id: strawberry.ID, quantity: int,
        cart_id: strawberry.ID | None = None,
    ) -> Cart:  # fmt: skip
        cart, lines = await info.context.service.set_cart_quantity(
            info.context.viewer, _id(cart_id), str(product_id), quantity
        )
        return Cart.of(cart, lines)

    @strawberry.mutation(description="After sign-in: move the anonymous cart into the user's.",
                         directives=WRITES_ORDERS)  # fmt: skip
    async def merge_cart(self, info: OrdersInfo, anonymous_cart_id: strawberry.ID) -> Cart:
        cart, lines = await info.context.service.merge_cart(info.context.viewer,
                                                            str(anonymous_cart_id))  # fmt: skip
        return Cart.of(cart, lines)

    @strawberry.mutation(directives=[Cost(weight=PLACE_ORDER), *WRITES_ORDERS])
    async def place_order(self, info: OrdersInfo, input: PlaceOrderInput) -> Order:
        order = await info.context.service.place_order(
            info.context.viewer, cart_id=_id(input.cart_id),
            idempotency_key=input.idempotency_key, shipping=_shipping(input.shipping),
            card_number=input.payment.card_number,
        )  # fmt: skip
        shown = Order.visible(info.context.viewer, order)
        assert shown is not None  # the viewer placed it
        return shown

    @strawberry.mutation(directives=[Cost(weight=CANCEL_ORDER), *WRITES_ORDERS])
    async def cancel_order(self, info: OrdersInfo, id: strawberry.ID) -> Order:
        order = await info.context.service.cancel_order(info.context.viewer, str(id))
        shown = Order.visible(info.context.viewer, order)
        assert shown is not None
        return shown

    @strawberry.mutation(
        description="Admins: move an order on, PLACED → SHIPPED → DELIVERED, or cancel a "
        "placed one. Any other change is refused with ORDER_TRANSITION.",
        directives=[Cost(weight=CANCEL_ORDER), *WRITES_ORDERS],
    )
    async def update_order_status(self, info: OrdersInfo, id: strawberry.ID,
                                  status: OrderStatus) -> Order:  # fmt: skip
        order = await info.context.service.update_order_status(
            info.context.viewer, str(id), model.OrderStatus(status.value)
        )
        shown = Order.visible(info.context.viewer, order)
        assert shown is not None  # admins see every order
        return shown

    @strawberry.mutation(description="Admins, or the vendor that sells the product.",
                         directives=WRITES_CATALOG)  # fmt: skip
    async def set_stock(self, info: OrdersInfo, product_id: strawberry.ID,
                        available: int) -> Stock:  # fmt: skip
        level = await info.context.service.set_stock(info.context.viewer, str(product_id),
                                                     available)  # fmt: skip
        return Stock.of(level)


def _id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


def _shipping(given: ShippingInput) -> dict[str, Any]:
    return {
        "recipient": given.recipient, "line1": given.line1, "line2": given.line2,
        "city": given.city, "postal_code": given.postal_code, "country": given.country,
    }  # fmt: skip


def _feed(info: OrdersInfo) -> OrderFeed:
    feed = info.context.feed
    if feed is None:
        raise client_error("this server takes no subscriptions", "SUBSCRIPTIONS_UNSUPPORTED")
    return feed


async def _order_of(info: OrdersInfo, order_id: str) -> Order | None:
    [found] = await info.context.service.store.orders_by_ids([order_id])
    return Order.visible(info.context.viewer, found)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The order each time its status changes, for the customer who placed it "
        "(and admins).",
        directives=READS_ORDERS,
    )
    async def order_status_changed(
        self, info: OrdersInfo, order_id: strawberry.ID
    ) -> AsyncGenerator[Order, None]:
        viewer = info.context.viewer
        require_scope(viewer, ORDERS_READ)
        [found] = await info.context.service.store.orders_by_ids([str(order_id)])
        if found is None or not (viewer.is_admin or found.user_id == viewer.subject):
            raise client_error(f"no order {str(order_id)!r}", "NOT_FOUND")
        wanted, last = str(order_id), found.status.value
        async with _feed(info).events(
            lambda e: e.kind != "StockChanged" and e.payload.get("order_id") == wanted
        ) as events:
            async for _ in events:
                order = await _order_of(info, wanted)
                if order is not None and order.status.value != last:  # changed since
                    last = order.status.value
                    yield order

    @strawberry.subscription(
        description="Each new order with lines of the signed-in vendor, showing only that "
        "vendor's lines.",
        directives=READS_ORDERS,
    )
    async def vendor_order_placed(self, info: OrdersInfo) -> AsyncGenerator[Order, None]:
        viewer = info.context.viewer
        vendor = viewer.vendor_id
        if vendor is None:
            raise client_error("only vendors have vendor orders", "FORBIDDEN")
        require_scope(viewer, ORDERS_READ)

        def theirs(event: FeedEvent) -> bool:
            items = event.payload.get("items") or ()
            return event.kind == "OrderPlaced" and any(
                isinstance(i, dict) and i.get("vendor_id") == vendor for i in items
            )

        async with _feed(info).events(theirs) as events:
            async for event in events:
                order = await _order_of(info, str(event.payload.get("order_id")))
                if order is not None:
                    yield order

    @strawberry.subscription(description="The product each time its stock changes.")
    async def stock_changed(
        self, info: OrdersInfo, product_id: strawberry.ID
    ) -> AsyncGenerator[Product, None]:
        wanted = str(product_id)
        async with _feed(info).events(
            lambda e: e.kind == "StockChanged" and e.payload.get("product_id") == wanted
        ) as events:
            async for _ in events:
                info.context.loaders.stock.clear(wanted)
                yield Product(id=strawberry.ID(wanted))


schema = CodedSchema(query=Query, mutation=Mutation, subscription=Subscription,
                     types=[Product, User, Order])  # fmt: skip
