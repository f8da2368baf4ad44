"""GraphiQL in headless Chromium runs a query with ``@defer`` against the router: its fetcher
asks for ``multipart/mixed`` and shows the primary part merged with each deferred one."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from datastores.testservices.base import free_port
from router.http.app import create_app
from tests.router.conftest import SUPERGRAPH, Subgraphs, router_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
QUERY = '{ product(id: "p1") { name ... @defer { reviews { body } } } ... @defer { slow } }'


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


def test_graphiql_shows_every_deferred_part(router_url: str) -> None:
    content_types: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on(
                "response",
                lambda r: (
                    content_types.append(r.headers.get("content-type", ""))
                    if r.request.method == "POST"
                    else None
                ),
            )
            page.goto(f"{router_url}/graphql")
            page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=15_000)
            page.evaluate(
                """query => document.querySelector('.graphiql-query-editor .CodeMirror')
                          .CodeMirror.setValue(query)""",
                QUERY,
            )
            page.wait_for_timeout(500)  # GraphiQL re-reads the operation after an edit
            page.click(".graphiql-execute-button")
            result = page.locator(".result-window")
            result.filter(has_text="slept").wait_for(timeout=15_000)
            text = result.inner_text()
        finally:
            browser.close()
    assert '"name": "Kettle"' in text
    assert '"body": "Boils fast"' in text
    assert '"slow": "slept 0.5s"' in text
    assert any(t.startswith("multipart/mixed") for t in content_types)
