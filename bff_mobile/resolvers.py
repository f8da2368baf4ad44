"""The mobile schema's root fields: each runs one router operation and shapes its answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo

from bff_mobile import shaping
from bff_mobile.errors import MobileError
from bff_mobile.router_client import RouterClient

FEATURED_PRODUCTS = 10
RECENT_REVIEWS = 3
SEARCH_PAGE_SIZE = 20
ORDERS_PAGE_SIZE = 10
MIN_PIXEL_DENSITY, MAX_PIXEL_DENSITY = 0.5, 4.0

Json = dict[str, Any]


@dataclass
class MobileContext:
    router: RouterClient
    authorization: str | None
    """The caller's ``Authorization`` header, forwarded as is; None when signed out."""
    private: bool = False
    """Set by resolvers whose answer belongs to the caller: never kept by shared caches."""

    @property
    def signed_in(self) -> bool:
        return self.authorization is not None

    async def run(self, operation: str, variables: Json) -> Json:
        return await self.router.run(operation, variables, self.authorization)


query = QueryType()
mutation = MutationType()


def _context(info: GraphQLResolveInfo) -> MobileContext:
    context: MobileContext = info.context
    return context


@query.field("home")
async def resolve_home(_: None, info: GraphQLResolveInfo) -> Json:
    data = await _context(info).run("MobileHome", {"featured": FEATURED_PRODUCTS})
    return {
        "featured_categories": [shaping.category_tile(c) for c in data["categories"]],
        "featured_products": [shaping.product_card(h["product"]) for h in data["search"]["hits"]],
    }


@query.field("product")
async def resolve_product(
    _: None, info: GraphQLResolveInfo, *, id: str, pixel_density: float
) -> Json | None:
    if not MIN_PIXEL_DENSITY <= pixel_density <= MAX_PIXEL_DENSITY:
        bounds = f"{MIN_PIXEL_DENSITY:g} and {MAX_PIXEL_DENSITY:g}"
        raise MobileError(
            f"pixelDensity must be between {bounds}, not {pixel_density:g}", "BAD_USER_INPUT"
        )
    data = await _context(info).run("MobileProduct", {"id": id, "reviews": RECENT_REVIEWS})
    product = data["product"]
    return None if product is None else shaping.product_screen(product, pixel_density)


@query.field("search")
async def resolve_search(
    _: None,
    info: GraphQLResolveInfo,
    *,
    query: str,
    filter: Json | None = None,
    after: str | None = None,
) -> Json:
    variables = {
        "query": query,
        "filter": _search_filter(filter),
        "first": SEARCH_PAGE_SIZE,
        "after": after,
    }
    data = await _context(info).run("MobileSearch", variables)
    return shaping.search_screen(data["search"])


def _search_filter(given: Json | None) -> Json | None:
    if given is None:
        return None
    return {
        "categoryIds": given.get("category_ids"),
        "brands": given.get("brands"),
        "minPrice": given.get("min_price"),
        "maxPrice": given.get("max_price"),
    }


@query.field("cart")
async def resolve_cart(_: None, info: GraphQLResolveInfo, *, cart_id: str | None = None) -> Json:
    context = _context(info)
    context.private = True
    if cart_id is None and not context.signed_in:
        return shaping.empty_cart()
    data = await context.run("MobileCart", {"cartId": cart_id})
    return shaping.cart(data["cart"])


@query.field("orderHistory")
async def resolve_order_history(
    _: None, info: GraphQLResolveInfo, *, after: str | None = None
) -> Json:
    context = _context(info)
    context.private = True
    if not context.signed_in:
        raise MobileError("sign in to see your orders", "UNAUTHENTICATED")
    data = await context.run("MobileOrderHistory", {"first": ORDERS_PAGE_SIZE, "after": after})
    if data["me"] is None:
        raise MobileError("sign in to see your orders", "UNAUTHENTICATED")
    return shaping.order_history(data["me"]["orders"])


@mutation.field("createCart")
async def resolve_create_cart(_: None, info: GraphQLResolveInfo) -> Json:
    data = await _context(info).run("MobileCreateCart", {})
    return shaping.cart(data["createCart"])


@mutation.field("addToCart")
async def resolve_add_to_cart(
    _: None,
    info: GraphQLResolveInfo,
    *,
    product_id: str,
    quantity: int,
    cart_id: str | None = None,
) -> Json:
    variables = {"productId": product_id, "quantity": quantity, "cartId": cart_id}
    data = await _context(info).run("MobileAddToCart", variables)
    return shaping.cart(data["addToCart"])


@mutation.field("setCartQuantity")
async def resolve_set_cart_quantity(
    _: None,
    info: GraphQLResolveInfo,
    *,
    product_id: str,
    quantity: int,
    cart_id: str | None = None,
) -> Json:
    variables = {"productId": product_id, "quantity": quantity, "cartId": cart_id}
    data = await _context(info).run("MobileSetCartQuantity", variables)
    return shaping.cart(data["setCartQuantity"])


@mutation.field("mergeCart")
async def resolve_merge_cart(_: None, info: GraphQLResolveInfo, *, anonymous_cart_id: str) -> Json:
    data = await _context(info).run("MobileMergeCart", {"anonymousCartId": anonymous_cart_id})
    return shaping.cart(data["mergeCart"])


@mutation.field("checkout")
async def resolve_checkout(
    _: None,
    info: GraphQLResolveInfo,
    *,
    idempotency_key: str,
    shipping: Json,
    card_number: str,
    cart_id: str | None = None,
) -> Json:
    order_input = {
        "cartId": cart_id,
        "idempotencyKey": idempotency_key,
        "shipping": {
            "recipient": shipping["recipient"],
            "line1": shipping["line_1"],
            "line2": shipping["line_2"],
            "city": shipping["city"],
            "postalCode": shipping["postal_code"],
            "country": shipping["country"],
        },
        "payment": {"cardNumber": card_number},
    }
    data = await _context(info).run("MobilePlaceOrder", {"input": order_input})
    return shaping.order_summary(data["placeOrder"])
