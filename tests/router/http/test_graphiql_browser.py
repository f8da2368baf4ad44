"""GraphiQL in headless Chromium: the page loads from the router alone and runs a query."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from datastores.testservices.base import free_port
from router.http.app import create_app
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def router_url(subgraphs: Subgraphs) -> Iterator[str]:
    config = router_config(subgraphs, playground=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, supergraph_path=SUPERGRAPH), port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "router did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_graphiql_runs_a_query_against_the_router(router_url: str) -> None:
    requests_outside: list[str] = []
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda r: (
                    requests_outside.append(r.url) if not r.url.startswith(router_url) else None
                ),
            )
            page.on(
                "console",
                lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.goto(f"{router_url}/graphql")
            page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=15_000)
            page.evaluate(
                """query => document.querySelector('.graphiql-query-editor .CodeMirror')
                          .CodeMirror.setValue(query)""",
                '{ product(id: "p1") { name reviews { author { name } } } }',
            )
            # GraphiQL re-reads the operation name shortly after an edit; the tab shows it.
            active_tab = page.locator(".graphiql-tab-active .graphiql-tab-button")
            expect(active_tab).to_have_text("<untitled>")
            page.click(".graphiql-execute-button")
            result = page.locator(".result-window")
            result.filter(has_text="Kettle").wait_for(timeout=15_000)
            text = result.inner_text()
        finally:
            browser.close()
    assert '"name": "Kettle"' in text
    assert '"name": "Ada"' in text
    assert requests_outside == []
    assert refused == []
