"""What needs a reply that takes its time (eight seconds here, longer than a restart
and than any pause of a busy machine): stopping it mid-way, and following it through a
server restart, as a deploy causes: the browser's own EventSource reconnects with
Last-Event-ID, and when the stream is refused meanwhile (the access cookie ran out) the
page renews the session and follows the reply anew."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Service
from tests.e2e.web.page import (
    REPLY,
    Watched,
    api_message,
    last_reply,
    send,
    service_writing_replies_in,
    sign_in,
    wait_until_written,
    watch_while_written,
)
from tests.stack import Stack


@pytest.fixture(scope="module")
def web(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from service_writing_replies_in(20, stack, tmp_path_factory)


def test_a_server_restart_mid_reply_carries_on_without_repeating(web: Service, desk: tuple[Page, Watched]) -> None:
    page, watched = desk
    sign_in(page, web.url, "+919812340010")
    for count, (question, expired) in enumerate(
        (("Restart while you answer", False), ("And again, signed out meanwhile", True)), start=1
    ):
        send(page, question)
        expect(page.locator(REPLY)).to_have_count(count)  # `last` is this question's reply
        reply = last_reply(page)
        expect(reply.locator(".bubble")).to_contain_text(f'You said: "{question}"')
        if expired:
            # The access cookie runs out while the server is away: the stream is refused
            # (401), the page renews the session and follows the reply anew.
            page.context.clear_cookies(name="gc_access")
        web.restart_api()
        shown = watch_while_written(reply)
        final = api_message(page, web.url, wait_until_written(page))
        assert final["status"] == "completed" and question in final["content"]
        assert len(shown) >= 2, shown  # it went on growing after the restart
        assert all(final["content"].startswith(text) for text in shown), shown  # never a repeat
        expect(reply.locator(".bubble")).to_have_text(final["content"])
        opened = [last_id for url, last_id in watched.streams if final["id"] in url]
        if expired:
            # Refused without the cookie; renewed; followed again from the first word.
            assert any(url.endswith("/auth/refresh") for url in watched.requests)
            assert opened[0] is None and opened[-1] is None and len(opened) >= 2, opened
        else:
            # The browser's own reconnection, from where it was (attempts refused while
            # the server was away show no headers).
            assert opened[0] is None and opened[-1] is not None, opened


def test_stopping_a_reply_keeps_what_was_written(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812340003")
    send(page, "Write a long answer I will stop")
    expect(last_reply(page).locator(".bubble")).to_contain_text("You said")
    page.get_by_role("button", name="Stop").click()
    expect(last_reply(page).locator(".msg-status")).to_have_text("Stopped.")
    stopped = api_message(page, web.url, wait_until_written(page))
    assert stopped["status"] == "cancelled" and stopped["finish_reason"] == "cancelled"
    assert stopped["content"].startswith("You said")
    assert not stopped["content"].endswith("watch the reply stream in.")  # cut short
    expect(last_reply(page).locator(".bubble")).to_have_text(stopped["content"])
    expect(page.get_by_role("button", name="Send")).to_be_visible()
