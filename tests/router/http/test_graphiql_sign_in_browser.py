"""GraphiQL's sign-in in headless Chromium, on the running system (``shopgraph dev`` on
embedded stores): the example runs as it opens, a developer signs in as a demo customer on the
identity provider's page, and every request then carries the customer's access token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

from tests.router.http.test_graphiql_browser import CHROMIUM, CHROMIUM_FLAGS
from tests.support.stack import Stack, running_stack

OFFSET = 23000
API = "https://shopgraph.onmicrosoft.com/shopgraph-api"
SCOPES = ("orders.read", "orders.write", "profile.read", "profile.write", "catalog.write")
HINT = (
    "Demo accounts: alice@example.com (customer), vera@northwind.example (vendor v-01), "
    "admin@shopgraph.example; password shopgraph-demo"
)
EDITOR = ".graphiql-query-editor .CodeMirror"
BEARER = re.compile(r"^Bearer eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def sign_in_environment(identity_url: str) -> dict[str, str]:
    """GraphiQL's sign-in against the local provider, as router settings in the environment."""
    endpoints = f"{identity_url}/shopgraph.onmicrosoft.com/b2c_1_signupsignin/oauth2/v2.0"
    prefix = "SHOPGRAPH_ROUTER__PLAYGROUND_SIGN_IN__"
    return {
        prefix + "AUTHORIZE_URL": f"{endpoints}/authorize",
        prefix + "TOKEN_URL": f"{endpoints}/token",
        prefix + "CLIENT_ID": "graphiql",
        prefix + "SCOPES": " ".join(["openid", *(f"{API}/{scope}" for scope in SCOPES)]),
        # Values are read as YAML: quoted, so that ": " stays text.
        prefix + "HINT": json.dumps(HINT),
    }


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    identity = f"http://127.0.0.1:{4100 + OFFSET}"
    data_dir: Path = tmp_path_factory.mktemp("graphiql-stack")
    with running_stack(
        data_dir, offset=OFFSET, extra_env=sign_in_environment(identity), timeout=180
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def _run(page: Page, operation: str | None = None, *, name: str | None, expect_text: str) -> str:
    """Run the active tab (after replacing its operation, if given); the result's text."""
    if operation is not None:
        page.evaluate(f"q => document.querySelector('{EDITOR}').CodeMirror.setValue(q)", operation)
    # GraphiQL reads the operation name from the editor 100 ms after a change (an edit, another
    # tab), and runs the operation of that name: wait until it has.
    page.wait_for_function(
        f"name => (document.querySelector('{EDITOR}').CodeMirror.operationName ?? null) === name",
        arg=name,
    )
    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    result.filter(has_text=expect_text).wait_for(timeout=20_000)
    return result.inner_text()


def test_a_developer_signs_in_as_a_demo_customer(dev_stack: Stack, browser: Browser) -> None:
    router = dev_stack.url("router")
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sent: list[str | None] = []

    def record(request: Request) -> None:
        if request.url == f"{router}/graphql" and request.method == "POST":
            sent.append(request.headers.get("authorization"))

    page.on("request", record)
    page.goto(f"{router}/graphql")
    page.wait_for_selector(EDITOR, timeout=20_000)
    bar = page.locator("#playground-sign-in")
    expect(bar).to_contain_text("Signed out")
    expect(bar).to_contain_text("alice@example.com (customer)")

    # The example GraphiQL opens with works against this supergraph.
    text = _run(page, name="SearchProducts", expect_text="Barista Espresso Machine")
    assert '"errors"' not in text
    assert '"currency"' in text
    assert '"inStock"' in text
    assert sent
    assert set(sent) == {None}

    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_selector("#email")
    assert page.url.startswith(dev_stack.url("identity"))
    page.fill("#email", "alice@example.com")
    page.fill("#password", "shopgraph-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{router}/graphql")
    expect(bar).to_contain_text("Signed in as Alice Moreau (alice@example.com)")

    page.get_by_role("tab").filter(has_text="MyOrders").locator("button").first.click()
    text = _run(page, name="MyOrders", expect_text="u-alice")
    assert '"errors"' not in text
    assert '"orders"' in text

    sent.clear()
    text = _run(page, "{ me { id } }", name=None, expect_text="u-alice")
    assert '"id": "u-alice"' in text
    assert sent
    assert all(BEARER.match(header or "") for header in sent)

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(bar).to_contain_text("Signed out")
    assert page.evaluate("sessionStorage.length") == 0
    text = _run(page, name=None, expect_text='"me": null')
    assert '"me": null' in text
    assert refused == []
    context.close()


def test_a_callback_not_started_here_is_refused(dev_stack: Stack, browser: Browser) -> None:
    router = dev_stack.url("router")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{router}/auth/callback?code=stolen&state=forged")
    status = page.locator("#sign-in-status")
    expect(status).to_contain_text("Sign-in failed: the state does not match")
    assert page.url == f"{router}/auth/callback"  # the code is out of the address bar
    assert page.evaluate("sessionStorage.length") == 0
    context.close()
