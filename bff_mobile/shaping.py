"""From the router's answers to the mobile schema's shapes: prices with display strings,
product cards, one image sized for the device, stock labels, carts and orders.

Plain functions over plain data (dicts in, dicts out); keys are the schema's field names in
snake case, as ariadne's name conversion resolves them.
"""

from __future__ import annotations

import re
from typing import Any

# Currencies without minor units; every other one has two (ISO 4217).
ZERO_DECIMAL_CURRENCIES = frozenset({"CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND"})
DEFAULT_CURRENCY = "EUR"
"""The shop's currency: the catalog's prices and a new customer's preference. An empty cart's
subtotal is zero in it."""
LOW_STOCK = 5
PRODUCT_IMAGE_POINTS = 320
"""The width, in device-independent points, at which the product screen shows its image."""

_SRCSET_CANDIDATE = re.compile(r"(\S+)\s+(\d+)w")

Json = dict[str, Any]


def price(money: Json) -> Json:
    amount, currency = int(money["amount"]), str(money["currency"])
    return {"amount": amount, "currency": currency, "formatted": format_money(amount, currency)}


def format_money(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 100)
    return f"{sign}{major}.{minor:02d} {currency}"


def product_card(product: Json) -> Json:
    images = product.get("images") or []
    rating = product.get("rating") or {}
    return {
        "id": product["id"],
        "name": product["name"],
        "brand": product["brand"],
        "price": price(product["price"]),
        "thumbnail_url": images[0]["url"] if images else None,
        "rating": rating.get("average"),
        "review_count": rating.get("count", 0),
    }


def category_tile(category: Json) -> Json:
    return {"id": category["id"], "name": category["name"], "slug": category["slug"]}


def image_for_density(srcset: str, pixel_density: float) -> tuple[str, int] | None:
    """The smallest candidate at least as wide as the screen needs, else the widest one."""
    candidates = sorted((int(width), url) for url, width in _SRCSET_CANDIDATE.findall(srcset))
    if not candidates:
        return None
    needed = PRODUCT_IMAGE_POINTS * pixel_density
    width, url = next((c for c in candidates if c[0] >= needed), candidates[-1])
    return url, width


def product_screen(product: Json, pixel_density: float) -> Json:
    images = product.get("images") or []
    image = image_for_density(images[0]["srcset"], pixel_density) if images else None
    rating = product.get("rating") or {}
    vendor = product.get("vendor")
    return {
        "id": product["id"],
        "name": product["name"],
        "brand": product["brand"],
        "description": product["description"],
        "price": price(product["price"]),
        "vendor_name": vendor["name"] if vendor else None,
        "categories": [category_tile(c) for c in product.get("categories") or []],
        "attributes": product.get("attributes") or [],
        "image_url": image[0] if image else None,
        "image_width": image[1] if image else None,
        "stock": stock_status(product.get("stock")),
        "reviews": {
            "average": rating.get("average"),
            "count": rating.get("count", 0),
            "recent": [
                _review(review) for review in (product.get("reviews") or {}).get("nodes", [])
            ],
        },
    }


def _review(review: Json) -> Json:
    return {
        "id": review["id"],
        "rating": review["rating"],
        "title": review["title"],
        "body": review["body"],
        "created_at": review["createdAt"],
    }


def stock_status(stock: Json | None) -> Json:
    """``stock`` is null when the product is not sold here."""
    if stock is None:
        return {"purchasable": False, "in_stock": False, "available": 0, "label": "Not available"}
    available, in_stock = int(stock["available"]), bool(stock["inStock"])
    if not in_stock:
        label = "Out of stock"
    elif available <= LOW_STOCK:
        label = f"Only {available} left"
    else:
        label = "In stock"
    return {"purchasable": True, "in_stock": in_stock, "available": available, "label": label}


def search_screen(result: Json) -> Json:
    facets = result["facets"]
    return {
        "total": result["total"],
        "results": [
            {"product": product_card(hit["product"]), "highlight": _highlight(hit)}
            for hit in result["hits"]
        ],
        "facets": {
            "categories": [
                {"value": f["category"]["id"], "label": f["category"]["name"], "count": f["count"]}
                for f in facets["categories"]
            ],
            "brands": [
                {"value": f["brand"], "label": f["brand"], "count": f["count"]}
                for f in facets["brands"]
            ],
            "prices": facets["prices"],
        },
        "next_cursor": _next_cursor(result["pageInfo"]),
    }


def _highlight(hit: Json) -> str | None:
    for highlight in hit.get("highlights") or []:
        if highlight["fragments"]:
            return str(highlight["fragments"][0])
    return None


def _next_cursor(page_info: Json) -> str | None:
    return page_info["endCursor"] if page_info["hasNextPage"] else None


def empty_cart() -> Json:
    return {"id": None, "lines": [], "item_count": 0, "subtotal": _zero()}


def _zero() -> Json:
    return price({"amount": 0, "currency": DEFAULT_CURRENCY})


def cart(value: Json) -> Json:
    """The subtotal is zero in the shop's currency for an empty cart, null for mixed ones."""
    lines = [_cart_line(item) for item in value["items"]]
    currencies = {line["line_total"]["currency"] for line in lines}
    subtotal = None if lines else _zero()
    if len(currencies) == 1:
        amount = sum(line["line_total"]["amount"] for line in lines)
        subtotal = price({"amount": amount, "currency": currencies.pop()})
    return {
        "id": value["id"],
        "lines": lines,
        "item_count": sum(line["quantity"] for line in lines),
        "subtotal": subtotal,
    }


def _cart_line(item: Json) -> Json:
    card = product_card(item["product"])
    quantity = int(item["quantity"])
    total = {"amount": card["price"]["amount"] * quantity, "currency": card["price"]["currency"]}
    return {"product": card, "quantity": quantity, "line_total": price(total)}


def order_summary(order: Json) -> Json:
    lines = [
        {
            "product": product_card(item["product"]),
            "quantity": item["quantity"],
            "line_total": price(item["lineTotal"]),
        }
        for item in order["items"]
    ]
    return {
        "id": order["id"],
        "status": order["status"],
        "placed_at": order["createdAt"],
        "total": price(order["total"]),
        "item_count": sum(int(line["quantity"]) for line in lines),
        "lines": lines,
    }


def order_history(connection: Json) -> Json:
    return {
        "orders": [order_summary(edge["node"]) for edge in connection["edges"]],
        "next_cursor": _next_cursor(connection["pageInfo"]),
    }
