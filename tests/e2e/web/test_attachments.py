"""Files on the page, in Chromium against the real service: chosen with the picker,
dropped on the chat, pasted into the message box; previewed while they upload, refused
in words, sent, and shown with the message (the picture loads with the page's session)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Service
from tests.e2e.web.page import (
    SCREENSHOTS,
    Watched,
    api_message,
    service_writing_replies_in,
    sign_in,
    wait_until_written,
)
from tests.stack import Stack
from tests.support import pdf, png


@pytest.fixture(scope="module")
def web(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from service_writing_replies_in(2, stack, tmp_path_factory)


def _files_in_page(page: Page, name: str, data: bytes, mime: str) -> None:
    """A File made in the page, as a drop or a paste brings one: kept in window.made."""
    page.evaluate(
        """([name, b64, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            window.made = new DataTransfer();
            window.made.items.add(new File([bytes], name, { type: mime }));
        }""",
        [name, base64.b64encode(data).decode(), mime],
    )


def test_files_by_picker_drop_and_paste_are_previewed_sent_and_shown(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812350001")
    # The picker.
    page.locator("#file-input").set_input_files(
        [
            {"name": "chart.png", "mimeType": "image/png", "buffer": png((320, 200))},
            {"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf(2)},
        ]
    )
    pending = page.locator("#pending-files li")
    expect(pending).to_have_count(2)
    expect(pending.nth(0)).to_contain_text("320×200")
    expect(pending.nth(1)).to_contain_text("2 pages")
    expect(pending.nth(0).locator("img")).to_be_visible()  # a preview of the picture
    # Dropped on the chat.
    _files_in_page(page, "notes.md", b"# Notes\nLaunch on Friday\n", "text/markdown")
    page.locator("#chat").dispatch_event("dragenter", {"dataTransfer": page.evaluate_handle("window.made")})
    expect(page.locator("#drop-hint")).to_be_visible()
    page.locator("#chat").dispatch_event("drop", {"dataTransfer": page.evaluate_handle("window.made")})
    expect(page.locator("#drop-hint")).to_be_hidden()
    # Pasted into the message box (a screenshot from the clipboard).
    _files_in_page(page, "image.png", png((40, 30)), "image/png")
    page.get_by_label("Message", exact=True).evaluate(
        "(box) => box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: window.made, bubbles: true }))"
    )
    expect(pending).to_have_count(4)
    expect(pending.nth(2)).to_contain_text("notes.md")
    expect(pending.nth(3)).to_contain_text("40×30")
    # One taken away again before sending.
    page.get_by_role("button", name="Remove notes.md").click()
    expect(pending).to_have_count(3)
    page.get_by_label("Message", exact=True).fill("What are these?")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "chat-attachments-chosen.png")
    page.get_by_role("button", name="Send").click()

    sent = page.locator("#messages li.user").last
    expect(sent.locator(".attachments li")).to_have_count(3)
    expect(page.locator("#pending-files")).to_be_hidden()
    picture = sent.locator("img[alt='chart.png']")
    expect(picture).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 320", arg=picture.element_handle())
    expect(sent.locator(".attachment.pdf")).to_contain_text("report.pdf")
    reply_id = wait_until_written(page)
    reply = api_message(page, web.url, reply_id)
    assert reply["content"].startswith("I see 2 images, PNG 320×200 and PNG 40×30, and a 2-page PDF."), reply
    expect(page.locator("#messages li.model").last).to_contain_text("I see 2 images")
    page.screenshot(path=SCREENSHOTS / "chat-attachments.png")


def test_a_file_the_service_refuses_is_said_and_nothing_is_sent_with_it(
    web: Service, desk: tuple[Page, Watched]
) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812350002")
    page.locator("#file-input").set_input_files(
        [{"name": "program.exe", "mimeType": "application/octet-stream", "buffer": bytes(range(256)) * 4}]
    )
    refused = page.locator("#pending-files li.refused")
    expect(refused).to_contain_text("This kind of file is not taken")
    page.get_by_label("Message", exact=True).fill("Run this")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#alert-text")).to_contain_text("program.exe")
    expect(page.locator("#messages li")).to_have_count(0)
    expect(page.get_by_label("Message", exact=True)).to_have_value("Run this")  # nothing typed is lost
    page.get_by_role("button", name="Remove program.exe").click()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#messages li.user")).to_have_count(1)
