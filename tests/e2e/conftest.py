"""One running system for the end-to-end tests: every service of ``shopgraph dev`` on the test
servers' stores, seeded with the demo catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.stack import Stack, running_stack, stores_on_test_servers

OFFSET = 21600  # ports 24600-26100: apart from the other stacks of the test suite


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, mongo_url: str,
    elasticsearch_url: str, redis_url: str,
) -> Iterator[Stack]:  # fmt: skip
    with (
        stores_on_test_servers(
            postgres_url, mongo_url, elasticsearch_url, redis_url, redis_db=1
        ) as stores,
        running_stack(tmp_path_factory.mktemp("stack"), offset=OFFSET, stores=stores) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the storefront's browser tests."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=["--no-sandbox"])  # fmt: skip
        yield launched
        launched.close()
