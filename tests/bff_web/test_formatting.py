"""The storefront's template filters: money, ratings, dates, search highlights."""

from __future__ import annotations

from bff_web.formatting import cart_subtotal, highlight, money, price_range, stars, when


def test_money_is_shown_in_major_units_with_the_currency_symbol() -> None:
    assert money({"amount": 129900, "currency": "EUR"}) == "€1,299.00"
    assert money({"amount": 5, "currency": "EUR"}) == "€0.05"
    assert money({"amount": 1000, "currency": "NOK"}) == "10.00 NOK"
    assert money(None) == ""


def test_a_cart_subtotal_adds_lines_and_refuses_mixed_currencies() -> None:
    def line(amount: int, currency: str, quantity: int) -> dict[str, object]:
        return {"quantity": quantity, "product": {"price": {"amount": amount,
                                                            "currency": currency}}}  # fmt: skip

    assert cart_subtotal([line(1000, "EUR", 2), line(250, "EUR", 1)]) == {
        "amount": 2250, "currency": "EUR"
    }  # fmt: skip
    assert cart_subtotal([]) == {"amount": 0, "currency": "EUR"}
    assert cart_subtotal([line(1000, "EUR", 1), line(1000, "USD", 1)]) is None


def test_stars_round_to_the_nearest_whole_star() -> None:
    assert stars(4.8) == "★★★★★"
    assert stars(4.2) == "★★★★☆"
    assert stars(None) == "☆☆☆☆☆"


def test_a_highlight_keeps_its_marks_and_escapes_everything_else() -> None:
    text = str(highlight('<em>Espresso</em> <script>alert("x")</script> & <b>co</b>'))
    assert text.startswith("<mark>Espresso</mark> ")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "&lt;b&gt;" in text


def test_dates_and_price_ranges_read_as_words() -> None:
    assert when("2026-12-03T14:05:09Z") == "3 Dec 2026, 14:05"
    assert price_range({"min": None, "max": 1000}) == "Under €10"
    assert price_range({"min": 1000, "max": 2500}) == "€10 to €25"
    assert price_range({"min": 10000, "max": None}) == "€100 and more"
