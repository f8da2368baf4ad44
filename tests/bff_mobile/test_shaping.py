"""Shaping the router's answers for the app: prices, images, stock."""

from __future__ import annotations

import pytest

from bff_mobile.shaping import cart, empty_cart, format_money, image_for_density, stock_status

SRCSET = (
    "https://cdn/w_120/a.jpg 120w, https://cdn/w_320/a.jpg 320w, "
    "https://cdn/w_640/a.jpg 640w, https://cdn/w_1280/a.jpg 1280w"
)


@pytest.mark.parametrize(
    ("density", "width"),
    [
        (0.5, 320),
        (1, 320),
        (1.5, 640),
        (2, 640),
        (2.5, 1280),
        (3, 1280),
        (4, 1280),
    ],
)
def test_the_smallest_image_that_fills_the_screen(density: float, width: int) -> None:
    assert image_for_density(SRCSET, density) == (f"https://cdn/w_{width}/a.jpg", width)


def test_no_candidates_no_image() -> None:
    assert image_for_density("", 2) is None


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (54900, "EUR", "549.00 EUR"),
        (5, "USD", "0.05 USD"),
        (-1250, "GBP", "-12.50 GBP"),
        (1500, "JPY", "1500 JPY"),
    ],
)
def test_money_for_display(amount: int, currency: str, shown: str) -> None:
    assert format_money(amount, currency) == shown


def test_stock_labels() -> None:
    assert stock_status(None)["label"] == "Not available"
    assert stock_status({"available": 0, "inStock": False})["label"] == "Out of stock"
    assert stock_status({"available": 3, "inStock": True})["label"] == "Only 3 left"
    assert stock_status({"available": 40, "inStock": True})["label"] == "In stock"


ZERO_EUR = {"amount": 0, "currency": "EUR", "formatted": "0.00 EUR"}


def _item(product_id: str, amount: int, currency: str, quantity: int) -> dict[str, object]:
    product = {"id": product_id, "name": "N", "brand": "B"}
    return {
        "product": product | {"price": {"amount": amount, "currency": currency}},
        "quantity": quantity,
    }


def test_an_empty_cart_costs_zero_in_the_shops_currency() -> None:
    assert empty_cart()["subtotal"] == ZERO_EUR
    assert cart({"id": "c-1", "items": []})["subtotal"] == ZERO_EUR


def test_a_cart_subtotal_sums_its_lines_unless_currencies_mix() -> None:
    one = cart({"id": "c-1", "items": [_item("p-1", 250, "EUR", 2), _item("p-2", 100, "EUR", 1)]})
    assert one["subtotal"] == {"amount": 600, "currency": "EUR", "formatted": "6.00 EUR"}
    mixed = cart({"id": "c-1", "items": [_item("p-1", 250, "EUR", 1), _item("p-2", 1, "USD", 1)]})
    assert mixed["subtotal"] is None
