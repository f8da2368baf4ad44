"""A vendor in headless Chromium, in the vendor console of the storefront: signs in with the
same identity provider as shoppers, sees only its own products, changes a price, stock and a
description, adds a product that shoppers then find, and watches a shopper's order of its
product arrive live, with only its own lines."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import PageWatch, sign_in
from tests.support.stack import Stack


def test_a_vendor_manages_its_catalogue_and_sees_its_orders_arrive(
    stack: Stack, browser: Browser
) -> None:
    web = stack.url("bff_web")
    vendor = browser.new_context(viewport={"width": 1280, "height": 900})
    page = vendor.new_page()
    watch = PageWatch(page)
    page.goto(web + "/")
    page.click("#sign-in")
    sign_in(page, stack, "vera@northwind.example")
    page.get_by_role("link", name="Vendor console").click()
    page.wait_for_url(web + "/vendor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vendor console")

    rows = page.locator("#vendor-products-table tbody tr")
    expect(rows.first).to_be_visible()
    shown = set(rows.evaluate_all("(rows) => rows.map((r) => r.dataset.productId)"))
    others = _product_ids(stack, "v-02")
    assert shown
    assert not shown & others, "another vendor's products in the console"
    watch.check("vendor")

    first = rows.first
    product_id = first.get_attribute("data-product-id")
    assert product_id is not None
    first.get_by_label(re.compile("^Price of")).fill("123.45")
    first.locator("[data-set-price] button").click()
    expect(page.locator("#toast")).to_have_text("Price saved.")
    first.get_by_label(re.compile("^Stock of")).fill("42")
    first.locator("[data-set-stock] button").click()
    expect(page.locator("#toast")).to_have_text("Stock saved.")
    first.get_by_text("Edit").click()
    first.get_by_label("Description").fill("Now with a longer warranty.")
    with page.expect_navigation():  # the console shows the product as saved
        first.get_by_role("button", name="Save changes").click()

    sku = f"NW-{uuid.uuid4().hex[:8].upper()}"
    form = page.locator("[data-create-product]")
    form.get_by_role("button", name="Add product").click()
    expect(form.locator("[data-form-error]")).to_have_text("SKU: this is needed.")
    form.get_by_label("SKU").fill(sku)
    form.get_by_label("Price (€)").fill("19.90")
    form.get_by_label("Name").fill(f"Northwind Tea Tin {sku}")
    form.get_by_label("Category").select_option(label="Cookware")
    form.get_by_label("Initial stock").fill("5")
    with page.expect_navigation(url=re.compile(r"/vendor\?created=")):
        form.get_by_role("button", name="Add product").click()
    expect(page.locator("#created")).to_contain_text(f"({sku}) at €19.90 with 5 in stock")
    page.locator("#created").get_by_role("link").click()
    expect(page.locator("#price")).to_have_text("€19.90")  # on the storefront at once
    page.go_back()

    shopper = browser.new_context()
    shop = shopper.new_page()
    shop.goto(f"{web}/products/{product_id}")
    expect(shop.locator("#price")).to_have_text("€123.45")
    expect(shop.locator("#stock")).to_have_text("In stock")
    expect(shop.locator("#main")).to_contain_text("Now with a longer warranty.")

    page.wait_for_timeout(1000)  # the console's live stream is open through the router
    order_id = _order(shop, stack, product_id)
    line = page.locator(f"#vendor-order-lines tr[data-order-id='{order_id}']")
    expect(line).to_be_visible(timeout=10_000)
    lines = line.locator("td").nth(3)
    expect(lines).to_have_text(re.compile(r"^1 \S+ [^;]+$"))  # one line: its own
    expect(lines).not_to_contain_text("Bamboo")  # the other vendor's line stays hidden
    assert watch.problems == [], watch.problems
    vendor.close()
    shopper.close()


def _order(shop: Page, stack: Stack, product_id: str) -> str:
    """Bob orders the vendor's product and one of another vendor's, through the storefront."""
    web = stack.url("bff_web")
    shop.goto(web + "/auth/login?return_to=/products/" + product_id)
    sign_in(shop, stack, "bob@example.com")
    shop.get_by_role("button", name="Add to cart").click()
    expect(shop.locator("#toast")).to_contain_text("Added")
    shop.goto(web + "/search?q=bamboo+cutting+board")
    shop.locator("#results").get_by_role("link").first.click()
    shop.get_by_role("button", name="Add to cart").click()
    expect(shop.locator("#toast")).to_contain_text("Added")
    shop.goto(web + "/checkout")
    shop.get_by_label("Street and number").fill("Storgatan 1")
    shop.get_by_label("Postal code").fill("11122")
    shop.get_by_label("City").fill("Stockholm")
    shop.get_by_label("Country").select_option("SE")
    shop.get_by_label("Card number").fill("4242 4242 4242 4242")
    shop.get_by_role("button", name=re.compile("^Place order")).click()
    shop.wait_for_url(re.compile(r"/orders/"))
    return shop.url.rsplit("/", 1)[1].split("?")[0]


def _product_ids(stack: Stack, vendor_id: str) -> set[str]:
    query = ("query($v: ID!) { products(filter: {vendorId: $v}, first: 100) "
             "{ edges { node { id } } } }")  # fmt: skip
    answer = httpx.post(stack.url("router") + "/graphql",
                        json={"query": query, "variables": {"v": vendor_id}}).json()  # fmt: skip
    return {edge["node"]["id"] for edge in answer["data"]["products"]["edges"]}
