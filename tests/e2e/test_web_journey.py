"""A customer in headless Chromium, through the web BFF on the running system: fills a cart
while signed out, signs in on the provider's page, finds the cart kept, places an order, sees
it in the history, cancels it and sees its status change live (a subscription the BFF relays),
and signs out. No token ever reaches the browser."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

from tests.support.stack import Stack

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=["--no-sandbox"])  # fmt: skip
        yield launched
        launched.close()


def test_a_customer_shops_through_the_web_bff(stack: Stack, browser: Browser) -> None:
    web = stack.url("bff_web")
    context = browser.new_context()
    page = context.new_page()
    bodies: list[str] = []

    def record(response: Response) -> None:
        kind = response.request.resource_type
        if response.url.startswith(web) and kind in ("fetch", "xhr", "document"):
            with contextlib.suppress(Exception):  # a redirect has no body
                bodies.append(response.text())

    page.on("response", record)
    page.goto(web + "/")
    expect(page.locator("#sign-in")).to_be_visible()

    _search_and_add(page, "espresso", "Barista Espresso Machine")
    expect(page.locator("#cart")).to_contain_text("Barista Espresso Machine x 1")

    page.click("#sign-in")  # to the provider's sign-in page, and back
    page.wait_for_selector("#email")
    assert page.url.startswith(stack.url("identity"))
    page.fill("#email", "alice@example.com")
    page.fill("#password", "shopgraph-demo")
    page.click("button[type=submit]")
    page.wait_for_url(web + "/")
    expect(page.locator("#who")).to_contain_text("Signed in as Alice")
    expect(page.locator("#cart")).to_contain_text("Barista Espresso Machine x 1")  # merged

    page.click("#place-order")
    expect(page.locator("#order-result")).to_contain_text("PLACED")
    order_id = page.locator("#order-result").inner_text().split()[1].rstrip(":")
    expect(page.locator("#orders")).to_contain_text(order_id)
    expect(page.locator("#cart li")).to_have_count(0)

    # The order's line follows its status live: Cancel changes nothing on the page itself,
    # the subscription relayed by the BFF does.
    line = page.locator(f"#orders li[data-order-id='{order_id}']")
    expect(line).to_contain_text("PLACED")
    page.wait_for_timeout(1000)  # the subscription is open through the router
    line.get_by_role("button", name="Cancel").click()
    expect(line).to_contain_text("CANCELLED", timeout=10_000)

    _no_token_reached_the_browser(page, web, bodies)

    page.click("#sign-out")  # local session and the provider's, then back here signed out
    page.wait_for_url(web + "/")
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.evaluate("fetch('/auth/me').then((r) => r.json())") == {"signedIn": False}
    context.close()


def _search_and_add(page: Page, query: str, name: str) -> None:
    page.fill("#query", query)
    page.click("#search-form button")
    result = page.locator("#results li", has_text=name)
    expect(result).to_be_visible()
    result.locator("button").click()


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
