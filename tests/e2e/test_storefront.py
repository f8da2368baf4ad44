"""The storefront's pages over HTTP, as a browser without script or a hostile client meets
them: HTML with a strict Content-Security-Policy, sign-in first where an account is needed,
clear 4xx pages for bad input, bounded parameters."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.stack import Stack

PUBLIC_PAGES = ["/", "/search", "/search?q=espresso", "/c/kitchen", "/c/cookware",
                "/products/p-0001", "/cart"]  # fmt: skip


@pytest.fixture
def web(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("bff_web"), timeout=10) as client:
        yield client


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_html_with_a_strict_policy(stack: Stack, web: httpx.Client,
                                                    path: str) -> None:  # fmt: skip
    page = web.get(path)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert f"img-src 'self' {stack.url('media')};" in policy
    assert page.headers["cache-control"] == "private, no-cache"
    assert '<link rel="stylesheet" href="/static/style.css">' in page.text
    assert "<script>" not in page.text  # no inline script: the policy would refuse it


def test_search_works_without_script(web: httpx.Client) -> None:
    page = web.get("/search", params={"q": "barista espresso machine"})
    assert "Barista Espresso Machine" in page.text
    cheap_first = web.get("/search", params={"q": "kettle", "sort": "price-asc"})
    assert '<option value="price-asc" selected>' in cheap_first.text
    empty = web.get("/search", params={"q": "zzqqxx"})
    assert "No products found" in empty.text


@pytest.mark.parametrize("path", ["/checkout", "/orders", "/orders/o-1", "/account", "/vendor"])
def test_account_pages_send_a_signed_out_visitor_to_sign_in(web: httpx.Client,
                                                            path: str) -> None:  # fmt: skip
    answer = web.get(path)
    assert answer.status_code == 302
    assert (
        answer.headers["location"]
        == "/auth/login?" + httpx.QueryParams({"return_to": path}).__str__()
    )


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/products/p-nope", 404, "This product is not in the catalogue."),
        ("/c/no-such-department", 404, "There is no category"),
        ("/search?q=" + "x" * 201, 400, "A search is at most 200 characters."),
        ("/search?" + "&".join(f"brand=b{n}" for n in range(60)), 400, "Too many filters"),
        ("/search?brand=" + "b" * 201, 400, "A brand filter is too long"),
        ("/c/kitchen?vendor=" + "v" * 201, 400, "at most 200 characters"),
        ("/search?after=not-a-cursor", 400, "cursor"),
        ("/products/" + "p" * 5000, 404, "This product is not in the catalogue."),
    ],
)
def test_bad_input_gets_a_page_that_says_what_is_wrong(
    web: httpx.Client, path: str, status: int, words: str
) -> None:
    answer = web.get(path)
    assert answer.status_code == status
    assert words in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_assets_and_the_icon_are_served(web: httpx.Client) -> None:
    for path in ("/static/app.js", "/static/style.css", "/favicon.ico", "/favicon.svg"):
        assert web.get(path).status_code == 200, path
    assert web.get("/favicon.ico").headers["content-type"] == "image/svg+xml"
    assert web.get("/static/../app.py").status_code == 404
    assert web.get("/static/%2e%2e/app.py").status_code == 404
