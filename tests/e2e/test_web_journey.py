"""A shopper in headless Chromium, through the storefront on the running system: browses a
department, searches with autocomplete, facets and a sort, opens a product, fills the cart
while signed out, edits it, signs in and finds it kept, reviews the product, checks out
(a validation message and a declined card in words first), watches the order's status change
live, finds the order in the history and the product among the recently viewed, and signs out.

Every page is checked as a person would meet it (``PageWatch.check``): no console error, no
failed request, every image loaded, no WCAG A/AA violation, a screenshot kept. No token ever
reaches the browser."""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.test_vendor_scoping import router
from tests.support.browser import PageWatch, sign_in
from tests.support.oidc import sign_in_to_mobile_app
from tests.support.stack import Stack

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.")
MACHINE = "Barista Espresso Machine"


def test_a_shopper_browses_buys_and_follows_the_order(stack: Stack, browser: Browser) -> None:
    web = stack.url("bff_web")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = PageWatch(page)
    bodies = _record_bodies(page, web)

    page.goto(web + "/")
    expect(page.get_by_role("heading", name="Best rated")).to_be_visible()
    expect(page.locator("#sign-in")).to_be_visible()
    watch.check("home")

    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Kitchen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kitchen")
    expect(page.locator("#results article").first).to_be_visible()
    watch.check("category")

    _search(page, "espresso")
    expect(page.locator("#result-count")).not_to_have_text("0 products")
    brand = page.get_by_role("group", name="Brand").get_by_role("link").first
    brand_name = brand.inner_text().rsplit("(", 1)[0].strip()
    brand.click()
    expect(page).to_have_url(re.compile(r"brand="))
    for card in page.locator("#results .brand-name").all():
        expect(card).to_have_text(brand_name)
    page.get_by_label("Sort by").select_option("price-asc")
    expect(page).to_have_url(re.compile(r"sort=price-asc"))
    prices = [_euros(p) for p in page.locator("#results .price").all_inner_texts()]
    assert prices == sorted(prices)
    watch.check("search")

    _search(page, "zzqqxxnothing")
    expect(page.locator("#no-results")).to_contain_text("No products found")

    _search(page, MACHINE)
    page.locator("#results").get_by_role("link", name=MACHINE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MACHINE)
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#toast")).to_contain_text("Added to your cart")
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    watch.check("product")

    _search(page, "bamboo cutting board")
    page.locator("#results").get_by_role("link").first.click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("[data-cart-count]")).to_have_text("3")

    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.locator("#cart tbody tr")).to_have_count(2)
    page.get_by_label(f"Quantity of {MACHINE}").fill("1")
    page.get_by_label(f"Quantity of {MACHINE}").press("Tab")  # a change event
    expect(page.get_by_label(f"Quantity of {MACHINE}")).to_have_value("1")
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    page.locator("#cart tbody tr").nth(1).get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.locator("#cart tbody tr")).to_have_count(1)
    expect(page.locator("#subtotal")).to_have_text(re.compile(r"€\d"))
    watch.check("cart")

    page.get_by_role("link", name="Sign in to check out").click()
    sign_in(page, stack, "alice@example.com")
    page.wait_for_url(web + "/checkout")
    expect(page.locator(".summary")).to_contain_text(MACHINE)  # the signed-out cart, kept
    watch.check("checkout")

    page.get_by_role("button", name=re.compile("^Place order")).click()
    expect(page.get_by_label("Full name")).to_have_value("Alice Moreau")  # from the account
    expect(page.locator("#checkout-error")).to_have_text("Street and number: this is needed.")
    _fill_address(page)
    page.get_by_role("button", name=re.compile("^Place order")).click()
    expect(page.locator("#checkout-error")).to_have_text("Card number: this is needed.")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    expect(page.locator("#checkout-error")).to_have_text(re.compile("declined"))
    expect(page.locator("#checkout-error")).not_to_contain_text("PAYMENT_DECLINED")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    page.wait_for_url(re.compile(r"/orders/[^/?]+\?placed=1$"))
    order_id = page.url.rsplit("/", 1)[1].split("?")[0]
    expect(page.locator("#order-status")).to_have_text("Placed")
    expect(page.locator("[data-cart-count]")).to_have_text("0")
    watch.check("order")

    # The status shown follows the subscription the BFF relays, not the answer to Cancel.
    page.wait_for_timeout(1000)  # the subscription is open through the router
    page.get_by_role("button", name="Cancel this order").click()
    expect(page.locator("#order-status")).to_have_text("Cancelled", timeout=10_000)
    expect(page.locator("#history li")).to_have_count(2)

    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator(f"#orders li[data-order-id='{order_id}']")).to_contain_text("Cancelled")
    watch.check("orders")

    page.locator(f"#orders li[data-order-id='{order_id}'] a").click()
    page.get_by_role("link", name=MACHINE).click()  # a signed-in view is remembered
    expect(page.get_by_role("heading", level=1)).to_have_text(MACHINE)
    page.wait_for_timeout(500)
    page.get_by_role("link", name="Alice Moreau").click()
    expect(page.get_by_role("heading", name="Recently viewed")).to_be_visible()
    expect(page.locator("#main")).to_contain_text(MACHINE)
    watch.check("account")

    _no_token_reached_the_browser(page, web, bodies)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(web + "/")
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.evaluate("fetch('/auth/me').then((r) => r.json())") == {"signedIn": False}
    context.close()


def test_a_signed_in_shopper_reviews_a_product(stack: Stack, browser: Browser) -> None:
    web = stack.url("bff_web")
    context = browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    page.goto(web + "/auth/login?return_to=/products/p-0002")
    sign_in(page, stack, "bob@example.com")
    page.wait_for_url(web + "/products/p-0002")
    before = int(re.findall(r"\d+", page.locator("#reviews").inner_text())[0])

    page.get_by_role("button", name="Post review").click()
    expect(page.locator(".review-form [data-form-error]")).to_have_text(
        "Your rating: this is needed."
    )
    page.get_by_label("4 stars").check()
    page.get_by_label("Title").fill("Does the job")
    page.get_by_label("Your review").fill("Sturdy, quiet and easy to clean.")
    page.get_by_role("button", name="Post review").click()
    expect(page.locator("#reviews")).to_have_text(f"Reviews ({before + 1})")
    expect(page.locator(".review-list")).to_contain_text("Does the job")
    watch.check("product-reviewed")
    context.close()


def test_a_demo_customer_sees_her_history_and_a_shipment_live(
    stack: Stack, browser: Browser
) -> None:
    """Alice's demo orders are in several states; when an operator ships the one only placed,
    her open order page says so without a reload."""
    web = stack.url("bff_web")
    context = browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    page.goto(web + "/auth/login?return_to=/orders")
    sign_in(page, stack, "alice@example.com")
    page.wait_for_url(web + "/orders")
    statuses = set(page.locator("#orders .status").all_inner_texts())
    assert {"Placed", "Shipped", "Delivered", "Cancelled"} <= statuses
    placed = page.locator("#orders li", has=page.locator(".status-placed")).last
    placed.locator("a").click()
    expect(page.locator("#order-status")).to_have_text("Placed")
    order_id = page.url.rsplit("/", 1)[1]
    watch.check("order-live")

    page.wait_for_timeout(1000)  # the page's subscription is open through the router
    admin = sign_in_to_mobile_app(stack.url("identity"), "admin@shopgraph.example").access_token
    ship = "mutation ($id: ID!) { updateOrderStatus(id: $id, status: SHIPPED) { status } }"
    assert router(stack, admin, ship, id=order_id) == {
        "data": {"updateOrderStatus": {"status": "SHIPPED"}}
    }
    expect(page.locator("#order-status")).to_have_text("Shipped", timeout=10_000)
    expect(page.locator("#history li").last).to_contain_text("Shipped")
    expect(page.get_by_role("button", name="Cancel this order")).to_have_count(0)
    assert watch.problems == [], watch.problems
    context.close()


def _search(page: Page, words: str) -> None:
    box = page.get_by_label("Search products")
    box.fill(words)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))


def _fill_address(page: Page) -> None:
    page.get_by_label("Full name").fill("Alice Moreau")
    page.get_by_label("Street and number").fill("12 Rue des Lilas")
    page.get_by_label("Postal code").fill("75011")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country").select_option("FR")


def _euros(text: str) -> float:
    return float(text.replace("€", "").replace(",", ""))


def _record_bodies(page: Page, web: str) -> list[str]:
    bodies: list[str] = []

    def record(response: Response) -> None:
        kind = response.request.resource_type
        if response.url.startswith(web) and kind in ("fetch", "xhr", "document"):
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                return
            with contextlib.suppress(Exception):  # a redirect has no body
                bodies.append(response.text())

    page.on("response", record)
    return bodies


def _no_token_reached_the_browser(page: Page, web: str, bodies: list[str]) -> None:
    cookies = page.context.cookies(web)
    [session] = [c for c in cookies if c["name"] == "sg_session"]
    assert session["httpOnly"]
    assert session["secure"]
    assert session["sameSite"] == "Lax"
    for cookie in page.context.cookies():
        assert not JWT.search(cookie["value"]), f"a token in cookie {cookie['name']}"
    storage = page.evaluate("JSON.stringify([Object.entries(localStorage), "
                            "Object.entries(sessionStorage)])")  # fmt: skip
    assert not JWT.search(storage)
    assert "token" not in storage.lower()
    assert bodies, "responses were recorded"
    for body in bodies:
        assert not JWT.search(body), "a token in a response to the browser"
        assert "access_token" not in body
