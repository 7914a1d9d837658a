"""Pinning, archiving and temporary chats on the page, in Chromium against the real service."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Service
from tests.e2e.web.page import SCREENSHOTS, Watched, send, service_writing_replies_in, sign_in, wait_until_written
from tests.stack import Stack


@pytest.fixture(scope="module")
def web(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from service_writing_replies_in(1, stack, tmp_path_factory)


def _chat(page: Page, title: str) -> None:
    """A chat the fake model names after its first message."""
    page.get_by_role("button", name="+ New chat").click()
    send(page, title)
    wait_until_written(page)
    expect(page.locator("#rooms li a").first).to_have_text(title, timeout=20_000)


def test_pin_archive_and_a_temporary_chat(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812360001")
    for title in ("Trains", "Recipes", "Taxes"):
        _chat(page, title)
    rooms = page.locator("#rooms li a")
    expect(rooms).to_have_text(["Taxes", "Recipes", "Trains"])
    # Pin the oldest: it goes on top, marked.
    rooms.filter(has_text="Trains").click()
    page.get_by_role("button", name="Pin", exact=True).click()
    expect(rooms).to_have_text(["PinnedTrains", "Taxes", "Recipes"])
    expect(page.get_by_role("button", name="Unpin")).to_have_attribute("aria-pressed", "true")
    # Archive one: it leaves the list, and the archived list has it.
    rooms.filter(has_text="Recipes").click()
    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Archived “Recipes”")
    expect(rooms).to_have_text(["PinnedTrains", "Taxes"])
    page.get_by_role("button", name="Archived", exact=True).click()
    expect(page.locator("#rooms-title")).to_have_text("Archived chats")
    expect(rooms).to_have_text(["Recipes"])
    page.get_by_role("button", name="Back to chats").click()
    expect(rooms).to_have_text(["PinnedTrains", "Taxes"])
    # A temporary chat: said so, and never in the list.
    page.get_by_role("button", name="+ New chat").click()
    page.get_by_label("Temporary").check()
    expect(page.locator("#temporary-notice")).to_be_visible()
    send(page, "Just between us")
    wait_until_written(page)
    expect(page.locator("#temporary-notice")).to_be_visible()
    expect(page.get_by_role("button", name="Pin", exact=True)).to_be_hidden()
    expect(rooms).to_have_text(["PinnedTrains", "Taxes"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "chat-organised.png")
    page.reload()
    expect(page.locator("#temporary-notice")).to_be_visible()
    expect(rooms).to_have_text(["PinnedTrains", "Taxes"])


def test_the_search_box_finds_words_in_any_chat_and_opens_it(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812360002")
    _chat(page, "Lighthouses of kerala")
    page.get_by_role("button", name="+ New chat").click()
    send(page, "Something <b>else</b> entirely")
    wait_until_written(page)
    page.get_by_label("Search your chats").fill("kerala")
    hits = page.locator("#hits li")
    expect(hits.first).to_be_visible()
    expect(page.locator("#rooms-scroll")).to_be_hidden()
    marked = page.locator("#hits mark")
    expect(marked.first).to_have_text(re.compile("kerala", re.IGNORECASE))
    expect(hits.first.locator(".hit-title")).to_have_text("Lighthouses of kerala")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "chat-search.png")
    hits.first.locator("a").click()
    expect(page.locator("#room-title")).to_have_text("Lighthouses of kerala")
    # Markup someone typed is shown as text in a snippet, never as markup.
    page.get_by_label("Search your chats").fill("entirely")
    expect(page.locator("#hits li").first).to_contain_text("<b>else</b>")
    expect(page.locator("#hits b")).to_have_count(0)
    page.get_by_label("Search your chats").press("Escape")
    expect(page.locator("#rooms-scroll")).to_be_visible()
    expect(page.locator("#search-results")).to_be_hidden()
    page.get_by_label("Search your chats").fill("zebra crossing")
    expect(page.locator("#search-status")).to_have_text("Nothing matches “zebra crossing”.")


def test_share_copies_a_link_that_anybody_can_read(web: Service, desk: tuple[Page, Watched], browser: Browser) -> None:
    page, _ = desk
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, web.url, "+919812360003")
    _chat(page, "Monsoon packing")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Link copied")
    url = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(web.url)}/s/[A-Za-z0-9_-]{{22}}", url), url
    stranger = browser.new_context()  # nobody signed in
    try:
        shared = stranger.new_page()
        shared.goto(url)
        expect(shared.locator("h1")).to_have_text("Monsoon packing")
        expect(shared.locator("article")).to_have_count(2)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shared.screenshot(path=SCREENSHOTS / "shared-chat.png")
    finally:
        stranger.close()


def test_your_data_lists_and_revokes_links_exports_imports_and_deletes_the_account(
    web: Service, desk: tuple[Page, Watched], tmp_path: Path
) -> None:
    page, _ = desk
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, web.url, "+919812360004")
    _chat(page, "Spice market")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Link copied")
    url = page.evaluate("navigator.clipboard.readText()")

    page.get_by_role("button", name="Your data").click()
    dialog = page.locator("#data-dialog")
    expect(dialog.locator("#shares li")).to_have_count(1)
    expect(dialog.locator("#shares li a")).to_have_text("Spice market")
    dialog.get_by_role("button", name="Export chats").click()
    expect(dialog.locator("#export-status")).to_contain_text("Ready", timeout=20_000)
    with page.expect_download() as downloading:
        dialog.get_by_role("button", name="Download").click()
    archive = tmp_path / "chats.zip"
    downloading.value.save_as(archive)
    assert "Spice market" in zipfile.ZipFile(archive).read("chatrooms.jsonl").decode()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "your-data.png")

    dialog.get_by_role("button", name="Stop sharing").click()
    expect(dialog.locator("#shares li")).to_have_count(0)
    assert httpx.get(url).status_code == 404

    dialog.locator("#import-file").set_input_files(str(archive))
    expect(dialog.locator("#import-status")).to_have_text("Imported 1 chat and 2 messages.", timeout=20_000)
    expect(page.locator("#rooms li a", has_text="Spice market")).to_have_count(2)

    dialog.get_by_role("button", name="Delete account…").click()
    expect(dialog.locator("#leave-code")).not_to_have_value("")  # development: the code is handed back
    dialog.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator("#notice")).to_contain_text("deleted")
    expect(page.locator("#signin")).to_be_visible()
