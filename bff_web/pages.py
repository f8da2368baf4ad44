"""The storefront and the vendor console: server-rendered pages (Jinja2), each from one GraphQL
query to the router with the session's token (``page_queries``).

A page is plain HTML that works before its script runs: links, the search form and its facets
are ordinary GET requests. What changes data (cart, review, checkout, account, the vendor's
catalogue) goes from ``app.js`` to ``POST /graphql`` with the CSRF header, as any other client
of the BFF; live updates (order status, stock, a vendor's new orders) are subscriptions the BFF
relays as Server-Sent Events.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bff_web import page_queries as q
from bff_web.formatting import FILTERS, country_names

TEMPLATES = Path(__file__).parent / "templates"
SORTS = {"relevance": "RELEVANCE", "price-asc": "PRICE_ASC", "price-desc": "PRICE_DESC",
         "newest": "NEWEST", "rating": "RATING"}  # fmt: skip
PAGE_SIZE = 24
MAX_QUERY = 200  # the search subgraph's own limit, checked here for a clear message
MAX_FILTER_VALUES = 10
FACET_PARAMETERS = ("category", "brand", "vendor")
MAX_PARAMETER = 200
MENU_SECONDS = 60.0
"""How long the category tree (slug to id, for ``/c/{slug}``) is reused before it is asked
for again."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking, from the session: what the templates and the page queries need."""

    signed_in: bool = False
    name: str | None = None
    vendor_id: str | None = None
    anonymous_cart_id: str | None = None

    @property
    def header_variables(self) -> dict[str, Any]:
        """``$cartId`` and ``$hasCart`` of every page query (the header's cart count)."""
        if self.signed_in:
            return {"cartId": None, "hasCart": True}
        return {"cartId": self.anonymous_cart_id, "hasCart": self.anonymous_cart_id is not None}


@dataclass(frozen=True)
class Answer:
    """The router's answer to a page query."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def codes(self) -> set[str]:
        return {str((e.get("extensions") or {}).get("code")) for e in self.errors}


WhoIs = Callable[[Request], Awaitable[Viewer]]
Ask = Callable[[Request, str, dict[str, Any]], Awaitable[Answer]]


class Storefront:
    """The pages. ``who_is`` reads the session; ``ask`` runs a query with its token."""

    def __init__(self, who_is: WhoIs, ask: Ask, content_security_policy: str) -> None:
        self.who_is = who_is
        self.ask = ask
        self.headers = {"cache-control": "private, no-cache",
                        "content-security-policy": content_security_policy}  # fmt: skip
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
            lstrip_blocks=True,
        )  # fmt: skip
        self.templates = Jinja2Templates(env=environment)
        self.templates.env.filters.update(FILTERS)
        self.templates.env.globals["countries"] = country_names()
        self._menu: tuple[float, list[dict[str, Any]]] = (0.0, [])

    def routes(self) -> list[Route]:
        return [
            Route("/", self.home),
            Route("/search", self.search),
            Route("/c/{slug}", self.category),
            Route("/products/{id}", self.product),
            Route("/cart", self.cart),
            Route("/checkout", self.checkout),
            Route("/orders", self.orders),
            Route("/orders/{id}", self.order),
            Route("/account", self.account),
            Route("/vendor", self.vendor),
        ]

    async def home(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        answer = await self._ask(request, viewer, q.HOME, {})
        return self.render(request, "home.html", viewer, answer, title="shopgraph",
                           best_rated=_products(answer, "bestRated"),
                           newest=_products(answer, "newest"))  # fmt: skip

    async def search(self, request: Request) -> Response:
        return await self._search_page(request, category=None)

    async def category(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        found = await self._category(request, slug)
        if found is None:
            return await self.error(request, 404, f"There is no category “{slug[:80]}”.")
        return await self._search_page(request, category=found)

    async def _search_page(self, request: Request, category: dict[str, Any] | None) -> Response:
        viewer = await self.who_is(request)
        params = request.query_params
        problem = _too_long(params)
        if problem:
            return await self.error(request, 400, problem, viewer)
        choice = SearchChoice.of(params, category)
        answer = await self._ask(request, viewer, q.SEARCH, choice.variables())
        if "BAD_USER_INPUT" in answer.codes() and "search" not in answer.data:
            return await self.error(request, 400, _messages(answer), viewer)
        title = category["name"] if category else (f"“{choice.query}”" if choice.query
                                                   else "All products")  # fmt: skip
        return self.render(request, "search.html", viewer, answer, title=title, choice=choice,
                           category=category, search_result=answer.data.get("search"))  # fmt: skip

    async def product(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        variables = {"id": request.path_params["id"][:MAX_PARAMETER],
                     "reviewsAfter": _parameter(request, "reviews")}  # fmt: skip
        answer = await self._ask(request, viewer, q.PRODUCT, variables)
        product = answer.data.get("product")
        if not product:
            return await self.error(request, 404, "This product is not in the catalogue.", viewer)
        return self.render(request, "product.html", viewer, answer, title=product["name"],
                           product=product)  # fmt: skip

    async def cart(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        answer = await self._ask(request, viewer, q.CART, {})
        return self.render(request, "cart.html", viewer, answer, title="Your cart",
                           cart=answer.data.get("cart") or {"items": []})  # fmt: skip

    async def checkout(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        if not viewer.signed_in:
            return _sign_in_first("/checkout")
        answer = await self._ask(request, viewer, q.CHECKOUT, {})
        me = answer.data.get("me") or {}
        addresses = me.get("addresses") or []
        default = next((a for a in addresses if a["isDefault"]), addresses[0] if addresses
                       else {"recipient": me.get("name") or ""})  # fmt: skip
        return self.render(request, "checkout.html", viewer, answer, title="Checkout",
                           cart=answer.data.get("cart") or {"items": []}, address=default,
                           me=me)  # fmt: skip

    async def orders(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        if not viewer.signed_in:
            return _sign_in_first("/orders")
        answer = await self._ask(request, viewer, q.ORDERS, {"after": _parameter(request, "after")})
        orders = ((answer.data.get("me") or {}).get("orders")) or {"edges": [], "pageInfo": {}}
        return self.render(request, "orders.html", viewer, answer, title="Your orders",
                           orders=orders)  # fmt: skip

    async def order(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        order_id = request.path_params["id"][:MAX_PARAMETER]
        if not viewer.signed_in:
            return _sign_in_first(f"/orders/{order_id}")
        answer = await self._ask(request, viewer, q.ORDER, {"id": order_id})
        order = answer.data.get("order")
        if not order:
            return await self.error(request, 404, "You have no order with this number.", viewer)
        return self.render(request, "order.html", viewer, answer, title=f"Order {order['id']}",
                           order=order)  # fmt: skip

    async def account(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        if not viewer.signed_in:
            return _sign_in_first("/account")
        answer = await self._ask(request, viewer, q.ACCOUNT, {})
        return self.render(request, "account.html", viewer, answer, title="Your account",
                           me=answer.data.get("me") or {})  # fmt: skip

    async def vendor(self, request: Request) -> Response:
        viewer = await self.who_is(request)
        if not viewer.signed_in:
            return _sign_in_first("/vendor")
        if viewer.vendor_id is None:
            return await self.error(request, 403, "The vendor console is for vendors: sign in "
                                    "with a vendor's account.", viewer)  # fmt: skip
        created = _parameter(request, "created")
        variables = {"vendorId": viewer.vendor_id, "after": _parameter(request, "after"),
                     "created": created, "hasCreated": created is not None}  # fmt: skip
        answer = await self._ask(request, viewer, q.VENDOR, variables)
        return self.render(request, "vendor.html", viewer, answer, title="Vendor console",
                           created=answer.data.get("created"),
                           products=answer.data.get("products") or {"edges": []},
                           orders=answer.data.get("vendorOrders") or {"edges": []})  # fmt: skip

    async def error(self, request: Request, status: int, message: str,
                    viewer: Viewer | None = None) -> Response:  # fmt: skip
        """A page saying what is wrong, with ``status``; ``viewer`` when the page knows it."""
        viewer = viewer or await self.who_is(request)
        answer = await self._ask(request, viewer, q.MENU, {})
        return self.render(request, "error.html", viewer, answer, title="Not here" if
                           status == 404 else "Something is wrong", message=message,
                           status=status)  # fmt: skip

    def render(self, request: Request, template: str, viewer: Viewer, answer: Answer,
               *, status: int = 200, **context: Any) -> Response:  # fmt: skip
        """``template`` with the header's data and any error the router reported."""
        header = answer.data.get("cartCount") or {"items": []}
        return self.templates.TemplateResponse(
            request, template, {
                "viewer": viewer, "menu": answer.data.get("categories") or [],
                "cart_count": sum(item["quantity"] for item in header["items"]),
                "problems": [e.get("message", "") for e in answer.errors], "status": status,
                **context,
            }, status_code=status,
            headers=self.headers,
        )  # fmt: skip

    async def _ask(self, request: Request, viewer: Viewer, query: str,
                   variables: dict[str, Any]) -> Answer:  # fmt: skip
        answer = await self.ask(request, query, {**variables, **viewer.header_variables})
        if answer.data.get("categories"):
            self._menu = (time.monotonic(), answer.data["categories"])
        return answer

    async def _category(self, request: Request, slug: str) -> dict[str, Any] | None:
        fetched, menu = self._menu
        if not menu or time.monotonic() - fetched > MENU_SECONDS:
            answer = await self._ask(request, Viewer(), q.MENU, {})
            menu = answer.data.get("categories") or []
        for top in menu:
            for candidate in (top, *top.get("children", [])):
                if candidate["slug"] == slug:
                    return {**candidate, "parent": top if candidate is not top else None}
        return None


@dataclass(frozen=True)
class SearchChoice:
    """What a search or category page asks for, from its query string: the words, the facets
    chosen, the sort and the page."""

    query: str
    category: dict[str, Any] | None
    categories: list[str]
    brands: list[str]
    vendors: list[str]
    min_price: int | None
    max_price: int | None
    sort: str
    after: str | None

    @classmethod
    def of(cls, params: Any, category: dict[str, Any] | None) -> SearchChoice:
        sort = params.get("sort", "relevance")
        return cls(
            query=params.get("q", "").strip()[:MAX_QUERY], category=category,
            categories=params.getlist("category")[:MAX_FILTER_VALUES],
            brands=params.getlist("brand")[:MAX_FILTER_VALUES],
            vendors=params.getlist("vendor")[:MAX_FILTER_VALUES],
            min_price=_euros(params.get("min")), max_price=_euros(params.get("max")),
            sort=sort if sort in SORTS else "relevance", after=params.get("after") or None,
        )  # fmt: skip

    def variables(self) -> dict[str, Any]:
        categories = list(self.categories)
        if self.category is not None:  # a department holds its subcategories' products
            children = [child["id"] for child in self.category.get("children", [])]
            categories = [self.category["id"], *children, *categories]
        filters = {"categoryIds": categories or None, "brands": self.brands or None,
                   "vendorIds": self.vendors or None, "minPrice": self.min_price,
                   "maxPrice": self.max_price}  # fmt: skip
        sort = SORTS[self.sort]
        if sort == "RELEVANCE" and not self.query:
            sort = "RATING"  # with no words to rank by, the best rated come first
        return {"query": self.query, "filter": {k: v for k, v in filters.items() if v} or None,
                "sort": sort, "first": PAGE_SIZE, "after": self.after}  # fmt: skip

    def link(self, **changes: Any) -> str:
        """This page's query string with ``changes`` (a facet toggled, a sort or a page)."""
        values: dict[str, Any] = {
            "q": self.query, "category": self.categories, "brand": self.brands,
            "vendor": self.vendors, "sort": self.sort if self.sort != "relevance" else None,
            "min": _price_parameter(self.min_price), "max": _price_parameter(self.max_price),
        }  # fmt: skip
        values.update(changes)
        pairs = [(k, v) for k, vs in values.items() if vs
                 for v in (vs if isinstance(vs, list) else [vs])]  # fmt: skip
        return "?" + urlencode(pairs) if pairs else "?"

    def toggle(self, facet: str, value: str) -> str:
        chosen: list[str] = list(getattr(self, facet))
        chosen = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        return self.link(**{facet.rstrip("s") if facet != "categories" else "category": chosen})

    def chosen(self, facet: str, value: str) -> bool:
        return value in getattr(self, facet)

    @property
    def filtered(self) -> bool:
        return bool(self.categories or self.brands or self.vendors or self.min_price is not None
                    or self.max_price is not None)  # fmt: skip


def _euros(value: str | None) -> int | None:
    """A price bound typed in whole units (``12`` or ``12.50``) as minor units; None if unset
    or not a number."""
    if not value:
        return None
    try:
        amount = round(float(value.replace(",", ".")) * 100)
    except ValueError:
        return None
    return amount if 0 <= amount < 10**9 else None


def _price_parameter(amount: int | None) -> str | None:
    if amount is None:
        return None
    return f"{amount // 100}" if amount % 100 == 0 else f"{amount / 100:.2f}"


def _parameter(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value[:MAX_PARAMETER] if value else None


def _too_long(params: Any) -> str | None:
    if len(params.get("q", "")) > MAX_QUERY:
        return f"A search is at most {MAX_QUERY} characters."
    if len(params.multi_items()) > 4 * MAX_FILTER_VALUES:
        return "Too many filters at once: choose fewer."
    for name, value in params.multi_items():
        if name in FACET_PARAMETERS and len(value) > MAX_PARAMETER:
            return f"A {name} filter is too long: at most {MAX_PARAMETER} characters."
    return None


def _products(answer: Answer, field: str) -> list[dict[str, Any]]:
    return [hit["product"] for hit in (answer.data.get(field) or {}).get("hits", [])]


def _messages(answer: Answer) -> str:
    return "; ".join(e.get("message", "") for e in answer.errors) or "The request is not valid."


def _sign_in_first(path: str) -> Response:
    return RedirectResponse("/auth/login?" + urlencode({"return_to": path}), status_code=302)
