"""The web page in a real browser: Debian's Chromium, driven by Playwright for Python,
against the real service (the API and a worker as processes, on PostgreSQL and Redis,
with the in-process fake model). Each test leaves a screenshot in the artifacts folder
(ARTIFACTS_DIR, else .artifacts/) whether it passed or not, and any script error on the
page fails it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.e2e.web.page import SCREENSHOTS, Watched

# As the machine's probe starts it: headless, and nothing that calls Google's servers.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is not installed: `make chromium` installs Debian's package")
    return found


# Per module, not per session: the driver runs an event loop on this thread, which the
# asynchronous tests of other modules need free.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _open_page(browser: Browser, request: pytest.FixtureRequest, **context: Any) -> Iterator[tuple[Page, Watched]]:
    ctx = browser.new_context(**{"viewport": {"width": 1200, "height": 800}, **context})
    page = ctx.new_page()
    watched = Watched(page)
    try:
        yield page, watched
        assert watched.errors == [], watched.errors
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png")
        ctx.close()


@pytest.fixture
def desk(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, Watched]]:
    """A desktop browser with a fresh profile (no cookies)."""
    yield from _open_page(browser, request)


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, Watched]]:
    """A phone-sized touch screen, its system set to dark."""
    yield from _open_page(
        browser,
        request,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        color_scheme="dark",
    )
