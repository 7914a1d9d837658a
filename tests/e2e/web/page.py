"""What the browser tests do on the page, as a person would."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Service, running_service
from tests.stack import Stack

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / ".artifacts")) / "screenshots"
REPLY = "#messages li.model"


def service_writing_replies_in(pieces: int, stack: Stack, tmp_path_factory: Any) -> Iterator[Service]:
    """The service whose fake model writes each reply in ``pieces`` pieces 0.4 s apart,
    with limits generous enough for the slowest of them."""
    env = {
        "FAKE_LLM_CHUNKS": str(pieces),
        "FAKE_LLM_CHUNK_DELAY": "0.4",
        "REPLY_TIME_LIMIT_SECONDS": "30",
        "LLM_TOTAL_TIMEOUT_SECONDS": "25",
        "REPLY_LEASE_SECONDS": "40",
    }
    with running_service(stack, tmp_path_factory.mktemp("web"), **env) as running:
        yield running


class Watched:
    """What the page did besides drawing: script errors, dialogs, requests."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        # Each reply stream the page opened: (url, the Last-Event-ID it resumed from).
        self.streams: list[tuple[str, str | None]] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        # The page must work under its policy: anything it blocks is a defect.
        page.on("console", self._console)
        page.on("dialog", self._dialog)
        page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.errors.append(f"{message.text} at {message.location}")

    def _request(self, request: Any) -> None:
        self.requests.append(request.url)
        if request.url.endswith("/stream"):
            self.streams.append((request.url, request.all_headers().get("last-event-id")))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()


def sign_in(page: Page, url: str, number: str) -> None:
    page.goto(f"{url}/")
    page.get_by_label("Mobile number").fill(number)
    page.get_by_role("button", name="Send code").click()
    # Development: the code the API returned is shown and filled in.
    expect(page.locator("#dev-code")).to_contain_text("Development: your code is")
    expect(page.get_by_label("The 6-digit code")).to_have_value(re.compile(r"^\d{6}$"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#app")).to_be_visible()


def bearer_client(url: str, number: str) -> httpx.Client:
    """Another client of the same person, signed in with a bearer token."""
    client = httpx.Client(base_url=url, timeout=10)
    otp = client.post("/auth/send-otp", json={"mobile_number": number}).json()["otp"]
    token = client.post("/auth/verify-otp", json={"mobile_number": number, "otp": otp}).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def send(page: Page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def last_reply(page: Page) -> Any:
    return page.locator(REPLY).last


def watch_while_written(reply: Any, timeout: float = 30) -> list[str]:
    """Each text a reply showed while it was being written, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "writing" in (reply.get_attribute("class") or ""):
        text = reply.locator(".bubble").inner_text()
        if text and (not seen or text != seen[-1]):
            seen.append(text)
        time.sleep(0.05)
    return seen


def wait_until_written(page: Page, timeout: float = 30_000) -> str:
    reply = last_reply(page)
    expect(reply).not_to_have_class(re.compile(r"\bwriting\b"), timeout=timeout)
    return str(reply.get_attribute("data-id"))


def api_message(page: Page, url: str, reply_id: str) -> dict[str, Any]:
    """The reply as the API has it, read with the page's own cookie."""
    room = page.evaluate("location.hash").split("/")[1]
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    response = httpx.get(f"{url}/chatroom/{room}/messages/{reply_id}", cookies={"gc_access": cookies["gc_access"]})
    response.raise_for_status()
    return dict(response.json())
