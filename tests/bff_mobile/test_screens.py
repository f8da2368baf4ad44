"""The app's screens and actions through the mobile BFF of the running system."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.bff_mobile.app_client import SHIPPING, persisted
from tests.support.oidc import Tokens
from tests.support.stack import Stack


def run(
    mobile: httpx.Client, name: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    response = mobile.post("/graphql", json=persisted(name, **variables), headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def data(
    mobile: httpx.Client, name: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    body = run(mobile, name, headers, **variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_code(body: dict[str, Any]) -> str:
    [error] = body["errors"]
    code: str = error["extensions"]["code"]
    return code


def test_home_shows_categories_and_featured_products(mobile: httpx.Client, stack: Stack) -> None:
    home = data(mobile, "Home")["home"]
    assert {"id": "c-kitchen", "name": "Kitchen", "slug": "kitchen"} in home["featuredCategories"]
    products = home["featuredProducts"]
    assert len(products) == 10
    card = products[0]
    assert card["price"]["formatted"].endswith(f" {card['price']['currency']}")
    # The configured CDN base: in the stack, as in `make dev`, the media service that draws them.
    assert card["thumbnailUrl"].startswith(f"{stack.url('media')}/images/w_")
    thumbnail = httpx.get(card["thumbnailUrl"], timeout=10)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"


def test_the_product_screen(mobile: httpx.Client) -> None:
    product = data(mobile, "Product", id="p-0002", pixelDensity=2)["product"]
    assert product["name"] == "Barista Espresso Machine"
    assert product["price"] == {"amount": 54900, "currency": "EUR", "formatted": "549.00 EUR"}
    assert product["vendorName"] == "Contoso Home"
    assert product["stock"]["purchasable"] is True
    assert re.fullmatch(r"In stock|Only \d+ left|Out of stock", product["stock"]["label"])
    reviews = product["reviews"]
    assert reviews["count"] == 12
    assert reviews["average"] == 3.75
    recent = [r["title"] for r in reviews["recent"]]
    assert recent == ["Solid choice", "Does the job", "Does the job"]  # the first 3 by id


def test_the_pixel_density_picks_the_image_size(mobile: httpx.Client) -> None:
    images = {
        density: data(mobile, "Product", id="p-0002", pixelDensity=density)["product"]
        for density in (1, 1.5, 2, 3)
    }
    assert {d: p["imageWidth"] for d, p in images.items()} == {1: 320, 1.5: 640, 2: 640, 3: 1280}
    assert "/w_320/" in images[1]["imageUrl"]
    assert "/w_1280/" in images[3]["imageUrl"]
    assert images[1]["imageUrl"] != images[3]["imageUrl"]


@pytest.mark.parametrize("density", [0, -1, 0.25, 4.5, 12])
def test_a_density_out_of_range_is_bad_input(mobile: httpx.Client, density: float) -> None:
    body = run(mobile, "Product", id="p-0002", pixelDensity=density)
    assert body["data"] == {"product": None}
    assert error_code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["product"]


def test_an_unknown_product_has_no_screen(mobile: httpx.Client) -> None:
    assert data(mobile, "Product", id="p-nope", pixelDensity=2) == {"product": None}


def test_search_with_facets_filters_and_pages(mobile: httpx.Client) -> None:
    search = data(mobile, "Search", query="espresso")["search"]
    assert search["total"] >= 1
    [hit] = [r for r in search["results"] if r["product"]["id"] == "p-0002"]
    assert "<em>" in hit["highlight"]
    assert {"value": "Ember", "label": "Ember", "count": 1} in search["facets"]["brands"]
    assert search["facets"]["prices"]

    everything = data(mobile, "Search", query="")["search"]
    assert len(everything["results"]) == 20
    assert everything["nextCursor"]
    following = data(mobile, "Search", query="", after=everything["nextCursor"])["search"]
    first_ids = {r["product"]["id"] for r in everything["results"]}
    assert first_ids.isdisjoint(r["product"]["id"] for r in following["results"])

    brand = everything["facets"]["brands"][0]
    filtered = data(mobile, "Search", query="", filter={"brands": [brand["value"]]})["search"]
    assert filtered["total"] == brand["count"]
    assert {r["product"]["brand"] for r in filtered["results"]} == {brand["value"]}


def test_a_router_error_keeps_its_code(mobile: httpx.Client) -> None:
    body = run(mobile, "Search", query="", after="not-a-cursor")
    assert error_code(body) == "BAD_USER_INPUT"
    assert "cursor" in body["errors"][0]["message"]
    assert "serviceName" not in body["errors"][0]["extensions"]


def test_an_anonymous_cart(mobile: httpx.Client) -> None:
    cart = data(mobile, "CreateCart")["createCart"]
    assert cart["id"]
    assert cart["lines"] == []
    assert cart["subtotal"] == {"amount": 0, "currency": "EUR", "formatted": "0.00 EUR"}
    cart_id = cart["id"]
    cart = data(mobile, "AddToCart", productId="p-0002", quantity=2, cartId=cart_id)["addToCart"]
    [line] = cart["lines"]
    assert line["quantity"] == 2
    assert line["lineTotal"]["amount"] == 2 * 54900
    assert cart["itemCount"] == 2
    assert cart["subtotal"]["formatted"] == "1098.00 EUR"
    assert data(mobile, "Cart", cartId=cart_id)["cart"] == cart
    emptied = data(mobile, "SetCartQuantity", productId="p-0002", quantity=0, cartId=cart_id)
    assert emptied["setCartQuantity"]["lines"] == []
    assert emptied["setCartQuantity"]["subtotal"]["formatted"] == "0.00 EUR"


def test_cart_errors_come_with_codes(mobile: httpx.Client) -> None:
    assert error_code(run(mobile, "AddToCart", productId="p-0002", quantity=1)) == (
        "UNAUTHENTICATED"
    )  # no cart id and signed out
    cart_id = data(mobile, "CreateCart")["createCart"]["id"]
    unknown = run(mobile, "AddToCart", productId="p-nope", quantity=1, cartId=cart_id)
    assert error_code(unknown) == "NOT_FOUND"
    assert unknown["errors"][0]["path"] == ["addToCart"]
    signed_out = run(
        mobile,
        "Checkout",
        idempotencyKey=uuid.uuid4().hex,
        shipping=SHIPPING,
        cardNumber="4242424242424242",
        cartId=cart_id,
    )
    assert error_code(signed_out) == "UNAUTHENTICATED"


def test_order_history_needs_a_signed_in_customer(mobile: httpx.Client) -> None:
    body = run(mobile, "OrderHistory")
    assert error_code(body) == "UNAUTHENTICATED"
    assert body["data"] is None
    forged = run(mobile, "OrderHistory", headers={"authorization": "Bearer not-a-token"})
    assert error_code(forged) == "UNAUTHENTICATED"


def test_a_signed_in_cart_takes_the_anonymous_one_and_a_declined_card_is_reported(
    mobile: httpx.Client, alice: Tokens
) -> None:
    anonymous = data(mobile, "CreateCart")["createCart"]["id"]
    data(mobile, "AddToCart", productId="p-0014", quantity=1, cartId=anonymous)
    merged = data(mobile, "MergeCart", alice.bearer, anonymousCartId=anonymous)["mergeCart"]
    assert "p-0014" in {line["product"]["id"] for line in merged["lines"]}
    declined = run(
        mobile,
        "Checkout",
        alice.bearer,
        idempotencyKey=uuid.uuid4().hex,
        shipping=SHIPPING,
        cardNumber="4000 0000 0000 0002",
    )
    assert error_code(declined) == "PAYMENT_DECLINED"
    for line in merged["lines"]:
        data(mobile, "SetCartQuantity", alice.bearer, productId=line["product"]["id"], quantity=0)
    assert data(mobile, "Cart", alice.bearer)["cart"]["lines"] == []
