"""Replies as Markdown, and a reply cut off at the model's output limit, with the real
Gemini adapter talking to the wire-level fake (which echoes the question: a reply is
whatever Markdown the test asks for)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from devstack.services import free_port
from tests.e2e.conftest import Service, running_service
from tests.e2e.web.page import REPLY, Watched, last_reply, send, sign_in, wait_until_written
from tests.fakes.llm_server import GOOD_KEY, background_llm
from tests.stack import Stack

MARKDOWN = """Here is **bold** text, a list and a table.

- one
- two

| name | value |
|------|-------|
| a    | 1     |

```python
print("hi")
```

See [the docs](https://example.com/docs)."""


@pytest.fixture(scope="module")
def web(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    gemini = background_llm(free_port()).start()
    httpx.delete(f"{gemini.url}/_requests").raise_for_status()
    env = {"LLM_PROVIDER": "gemini", "GEMINI_API_KEY": GOOD_KEY, "GEMINI_BASE_URL": gemini.url}
    try:
        with running_service(stack, tmp_path_factory.mktemp("web"), **env) as running:
            yield running
    finally:
        gemini.stop()


def test_a_reply_is_shown_as_markdown(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812340020")
    send(page, MARKDOWN)
    wait_until_written(page)
    bubble = last_reply(page).locator(".bubble")
    expect(bubble.locator("strong")).to_have_text("bold")
    expect(bubble.locator("ul > li")).to_have_text(["one", "two"])
    expect(bubble.locator("table th")).to_have_text(["name", "value"])
    expect(bubble.locator("table td")).to_have_text(["a", "1"])
    expect(bubble.locator("pre > code")).to_have_text('print("hi")\n')
    link = bubble.get_by_role("link", name="the docs")
    expect(link).to_have_attribute("href", "https://example.com/docs")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    # The question is shown as it was typed, not as Markdown.
    expect(page.locator("#messages li.user .bubble")).to_have_text(MARKDOWN)


def test_a_reply_cut_off_at_the_output_limit_can_be_continued(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812340021")
    send(page, "[[length]] Tell me everything")
    wait_until_written(page)
    expect(page.locator(REPLY)).to_have_count(1)
    last_reply(page).get_by_role("button", name="Continue").click()
    expect(page.locator(REPLY)).to_have_count(2)
    wait_until_written(page)
    expect(last_reply(page).locator(".bubble")).to_contain_text("Echo:")
