"""How the storefront's templates show the router's values: money, ratings, dates, search
highlights and status names (Jinja2 filters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
STATUS_WORDS = {"PLACED": "Placed", "SHIPPED": "Shipped", "DELIVERED": "Delivered",
                "CANCELLED": "Cancelled"}  # fmt: skip
COUNTRIES = {
    "AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "DE": "Germany", "DK": "Denmark",
    "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom", "IE": "Ireland",
    "IT": "Italy", "NL": "Netherlands", "NO": "Norway", "PL": "Poland", "PT": "Portugal",
    "SE": "Sweden", "US": "United States",
}  # fmt: skip


def money(value: dict[str, Any] | None) -> str:
    """``{"amount": 129900, "currency": "EUR"}`` as ``€1,299.00``."""
    if not value:
        return ""
    amount, currency = value["amount"], value["currency"]
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount) / 100:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def line_total(price: dict[str, Any], quantity: int) -> dict[str, Any]:
    return {"amount": price["amount"] * quantity, "currency": price["currency"]}


def cart_subtotal(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The sum of the lines; None when they are in more than one currency."""
    currencies = {i["product"]["price"]["currency"] for i in items}
    if len(currencies) > 1:
        return None
    amount = sum(i["product"]["price"]["amount"] * i["quantity"] for i in items)
    return {"amount": amount, "currency": currencies.pop() if currencies else "EUR"}


def stars(average: float | None) -> str:
    """Five stars, filled to the nearest whole star: the text beside them says the number."""
    if average is None:
        return "☆☆☆☆☆"
    full = min(5, int(average + 0.5))
    return "★" * full + "☆" * (5 - full)


def when(value: str | None) -> str:
    """An ISO date-time as ``3 Dec 2026, 14:05`` (UTC, as the API gives it)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def day(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return f"{moment.day} {moment:%b %Y}"


def highlight(fragment: str) -> Markup:
    """A search highlight with its ``<em>`` kept and everything else escaped."""
    escaped = str(escape(fragment))
    return Markup(escaped.replace("&lt;em&gt;", "<mark>").replace("&lt;/em&gt;", "</mark>"))  # noqa: S704 (all else escaped above)


def status(value: str) -> str:
    return STATUS_WORDS.get(value, value.title())


def country(code: str) -> str:
    return COUNTRIES.get(code, code)


def country_names() -> dict[str, str]:
    return dict(sorted(COUNTRIES.items(), key=lambda item: item[1]))


def price_range(bucket: dict[str, Any]) -> str:
    low, high = bucket.get("min"), bucket.get("max")
    if low is None and high is not None:
        return f"Under €{high // 100}"
    if high is None and low is not None:
        return f"€{low // 100} and more"
    return f"€{(low or 0) // 100} to €{(high or 0) // 100}"


FILTERS: dict[str, Callable[..., Any]] = {
    "money": money, "line_total": line_total, "subtotal": cart_subtotal, "stars": stars,
    "when": when, "day": day, "highlight": highlight, "status": status, "country": country,
    "price_range": price_range,
}  # fmt: skip
