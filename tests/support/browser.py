"""What the storefront's browser tests check on every page: no console error, no failed
request, every image loaded, no accessibility violation (axe-core), and a screenshot kept as a
test artifact in ``build/screenshots/``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request

from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
"""WCAG 2.1 A and AA: labels, names, contrast, keyboard focus, landmarks."""


@dataclass
class PageWatch:
    """Console errors and failed requests of a page, from the moment it is watched."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request: Request) -> None:
        reason = request.failure or ""
        # Leaving a page aborts what it still had open (a live-update stream, an autocomplete
        # on its way, a lazy image below the fold): not a failure anyone sees. An image that
        # the page shows and that fails is caught by ``check``.
        if "ERR_ABORTED" in reason:
            return
        self.problems.append(f"request failed: {request.url} ({reason})")

    def check(self, name: str) -> None:
        """The page as it is now: images, accessibility, a screenshot; then any problem seen."""
        # Not "networkidle": a page with live updates keeps a stream open.
        self.page.wait_for_load_state("load")
        self.page.wait_for_function("() => [...document.images].every((i) => i.complete)")
        broken = self.page.evaluate(
            "[...document.images].filter((i) => !i.complete || i.naturalWidth === 0)"
            ".map((i) => i.currentSrc || i.src)"
        )
        assert broken == [], f"{name}: images that did not load: {broken}"
        assert_accessible(self.page, name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert self.problems == [], f"{name}: {self.problems}"


def assert_accessible(page: Page, name: str) -> None:
    """No WCAG 2.1 A/AA violation that axe-core finds on the page as it is now."""
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy, which
    # allows only its own scripts, stays on for everything the page itself runs.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)  # fmt: skip
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]  # fmt: skip
    listed = json.dumps(violations, indent=1)
    assert violations == [], f"{name}: accessibility violations:\n{listed}"


def sign_in(page: Page, stack: Stack, email: str) -> None:
    """On the identity provider's sign-in page the browser was sent to, then back to the
    storefront."""
    page.wait_for_selector("#email")
    assert page.url.startswith(stack.url("identity"))
    page.fill("#email", email)
    page.fill("#password", "shopgraph-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile("^" + re.escape(stack.url("bff_web"))))
