"""The web page, feature by feature, in Chromium against the real service, whose fake
model writes each reply in eight pieces 0.4 s apart: slow enough to watch, stop and
reload a reply mid-way."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Service
from tests.e2e.web.page import (
    REPLY,
    SCREENSHOTS,
    Watched,
    api_message,
    bearer_client,
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
    yield from service_writing_replies_in(8, stack, tmp_path_factory)


def test_sign_in_send_with_the_keyboard_and_watch_the_reply_grow(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    page.goto(f"{web.url}/")
    # The keyboard alone: type the number, Enter; the code is filled in, Enter.
    page.get_by_label("Mobile number").press_sequentially("+91 98123 40001")
    page.keyboard.press("Enter")
    expect(page.get_by_label("The 6-digit code")).to_have_value(re.compile(r"^\d{6}$"))
    page.get_by_label("The 6-digit code").press("Enter")
    expect(page.locator("#quota")).to_have_text("5 of 5 messages left today.")
    box = page.get_by_label("Message", exact=True)
    box.focus()
    page.keyboard.type("Tell me about Goa")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    page.keyboard.type("in two lines")
    assert box.input_value() == "Tell me about Goa\nin two lines"
    page.keyboard.press("Enter")

    expect(page.locator("#messages li.user .bubble")).to_have_text("Tell me about Goa\nin two lines")
    reply = last_reply(page)
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")
    expect(reply).to_have_attribute("aria-busy", "true")  # read out once written
    seen = watch_while_written(reply)
    reply_id = wait_until_written(page)
    final = api_message(page, web.url, reply_id)
    assert final["status"] == "completed"
    assert len(seen) >= 3, seen  # it grew in steps, as it was written
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(seen)), seen
    expect(reply.locator(".bubble")).to_have_text(final["content"])
    expect(reply).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#quota")).to_have_text("4 of 5 messages left today.")
    # The title the model suggests arrives by itself, in the list and the heading.
    expect(page.locator("#room-title")).to_have_text("Tell me about goa in", timeout=20_000)
    expect(page.locator("#rooms a[aria-current=page]")).to_have_text("Tell me about goa in")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "chat-desktop.png")


def test_reloading_mid_reply_carries_on_and_shows_the_text_once(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812340002")
    send(page, "Reload while you answer")
    expect(last_reply(page).locator(".bubble")).to_contain_text("You said")  # part of it is shown
    assert "writing" in (last_reply(page).get_attribute("class") or "")
    page.reload()
    reply = last_reply(page)
    expect(reply).to_have_class(re.compile(r"\bwriting\b"))  # still being written
    shown = watch_while_written(reply)
    final = api_message(page, web.url, wait_until_written(page))
    assert len(shown) >= 2, shown  # it carried on growing after the reload
    assert all(final["content"].startswith(text) for text in shown), shown  # never a repeat
    expect(reply.locator(".bubble")).to_have_text(final["content"])
    assert page.locator("#messages").inner_text().count("You said") == 1
    assert page.locator(REPLY).count() == 1


def test_regenerate_edit_and_move_between_versions(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    sign_in(page, web.url, "+919812340004")
    send(page, "First question")
    first = wait_until_written(page)
    last_reply(page).get_by_role("button", name="Regenerate").click()
    expect(last_reply(page).get_by_role("group", name="Version 2 of 2")).to_be_visible()
    second = wait_until_written(page)
    assert second != first
    last_reply(page).get_by_role("button", name="Previous version").click()
    expect(last_reply(page).get_by_role("group", name="Version 1 of 2")).to_be_visible()
    expect(last_reply(page)).to_have_attribute("data-id", first)
    last_reply(page).get_by_role("button", name="Next version").click()
    expect(last_reply(page)).to_have_attribute("data-id", second)

    # Edit the question: a new version of it, answered afresh.
    page.locator("#messages li.user").get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Edit your message")
    editor.fill("Second question")
    page.locator("#messages li.user").get_by_role("button", name="Send").click()
    question = page.locator("#messages li.user")
    expect(question.locator(".bubble")).to_have_text("Second question")
    expect(question.get_by_role("group", name="Version 2 of 2")).to_be_visible()
    wait_until_written(page)
    expect(last_reply(page).locator(".bubble")).to_contain_text('You said: "Second question"')
    question.get_by_role("button", name="Previous version").click()
    expect(page.locator("#messages li.user .bubble")).to_have_text("First question")
    expect(last_reply(page)).to_have_attribute("data-id", second)  # that branch, as it was left


def test_the_sixth_basic_message_meets_the_limit_and_pro_lifts_it(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    number = "+919812340005"
    sign_in(page, web.url, number)
    # Five messages spent elsewhere (another client of the same person).
    bearer = bearer_client(web.url, number)
    room = bearer.post("/chatroom", json={}).json()["id"]
    for n in range(5):
        assert bearer.post(f"/chatroom/{room}/message", json={"content": f"m{n}"}).status_code == 202
    page.reload()
    expect(page.locator("#quota")).to_contain_text("Daily limit reached. More at")

    send(page, "My sixth message")
    expect(page.locator("#alert-text")).to_contain_text("You have used today's 5 messages. More at")
    expect(page.get_by_label("Message", exact=True)).to_have_value("My sixth message")  # nothing lost
    chat = page.evaluate("location.hash")
    page.locator("#alert").get_by_role("button", name="Go Pro").click()
    # The fake checkout (development) pays and sends the browser back to the page.
    expect(page.locator("#notice")).to_have_text("You are on Pro now: no daily limit.", timeout=20_000)
    assert page.evaluate("[location.search, location.hash]") == ["", chat]  # back in the same chat
    expect(page.locator("#plan")).to_have_text("Pro plan")
    expect(page.locator("#quota")).to_have_text("Pro: no daily limit.")
    expect(page.get_by_role("button", name="Manage subscription")).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_have_value("My sixth message")
    page.get_by_label("Message", exact=True).press("Enter")
    reply_id = wait_until_written(page)
    assert api_message(page, web.url, reply_id)["status"] == "completed"
    expect(page.locator("#rooms a")).to_have_count(2)
    page.get_by_role("button", name="Manage subscription").click()
    expect(page.locator("#notice")).to_contain_text("no billing portal")
    assert page.evaluate("location.hash") == chat


def test_a_script_in_a_model_reply_stays_inert(web: Service, desk: tuple[Page, Watched]) -> None:
    page, watched = desk
    sign_in(page, web.url, "+919812340006")
    # The fake model quotes the question: the reply carries the payload as its own text.
    payload = "<img src=http://attacker.invalid/i onerror=alert(1)>[go](javascript:alert(2))"
    send(page, payload)
    wait_until_written(page)
    bubble = last_reply(page).locator(".bubble")
    html = bubble.inner_html()
    assert "<img" not in html and "javascript:" not in html, html
    expect(bubble.locator("img, [onerror], [href^='javascript']")).to_have_count(0)
    # The model's HTML is shown as the text it is.
    expect(bubble).to_contain_text("<img src=http://attacker.invalid/i onerror=alert(1)>")
    expect(bubble.get_by_text("go", exact=True)).to_be_visible()
    bubble.get_by_text("go", exact=True).click()
    expect(page.locator("#messages li.user .bubble")).to_have_text(payload)  # shown as typed
    page.wait_for_timeout(500)
    assert watched.dialogs == []
    assert not [url for url in watched.requests if "attacker" in url], watched.requests


def test_the_list_of_chats_pages_in_as_it_scrolls(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    number = "+919812340009"
    sign_in(page, web.url, number)
    bearer = bearer_client(web.url, number)
    for n in range(45):
        created = bearer.post("/chatroom", json={"title": f"Chat {n:02}"})
        assert created.status_code == 201
    page.reload()
    rooms = page.locator("#rooms a")
    expect(rooms).to_have_count(30)  # one page: newest first
    expect(rooms.first).to_have_text("Chat 44")
    page.locator("#rooms-more").scroll_into_view_if_needed()
    expect(rooms).to_have_count(45)
    expect(rooms.last).to_have_text("Chat 00")
    expect(page.locator("#rooms-more")).to_be_hidden()


def test_your_instructions_and_a_chats_settings_are_set_in_dialogs(web: Service, desk: tuple[Page, Watched]) -> None:
    page, _ = desk
    number = "+919812340011"
    sign_in(page, web.url, number)
    page.get_by_role("button", name="Instructions").click()
    dialog = page.get_by_role("dialog", name="Your instructions")
    expect(dialog).to_be_visible()
    dialog.get_by_label("What should the model know about you?").fill("I am vegetarian.")
    dialog.get_by_label("How do you want it to answer?").fill("Use metric units.")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#notice")).to_contain_text("follow your instructions")

    send(page, "A soup for tonight?")
    wait_until_written(page)
    page.get_by_role("button", name="Settings").click()
    chat = page.get_by_role("dialog", name="This chat")
    chat.get_by_label("Instructions for this chat only").fill("Dinner for two.")
    chat.get_by_label("Temperature").fill("0.3")
    chat.get_by_role("button", name="Save").click()
    expect(chat).to_be_hidden()
    # Saved where every client sees them.
    bearer = bearer_client(web.url, number)
    assert bearer.get("/user/instructions").json() == {
        "about_me": "I am vegetarian.",
        "response_style": "Use metric units.",
    }
    room = bearer.get("/chatroom/" + page.evaluate("location.hash").split("/")[1]).json()
    assert (room["system_instruction"], room["temperature"]) == ("Dinner for two.", 0.3)
    # Opened again, the dialogs show what was saved; too long an instruction is said inside.
    page.reload()
    page.get_by_role("button", name="Settings").click()
    expect(chat.get_by_label("Instructions for this chat only")).to_have_value("Dinner for two.")
    expect(chat.get_by_label("Temperature")).to_have_value("0.3")
    chat.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Instructions").click()
    expect(dialog.get_by_label("What should the model know about you?")).to_have_value("I am vegetarian.")
    dialog.get_by_label("What should the model know about you?").evaluate("(box) => box.removeAttribute('maxlength')")
    dialog.get_by_label("What should the model know about you?").fill("x" * 1501)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("about_me")
    expect(dialog).to_be_visible()
    assert bearer.get("/user/instructions").json()["about_me"] == "I am vegetarian."


def test_a_gem_is_made_used_edited_and_deleted_on_the_page(web: Service, desk: tuple[Page, Watched]) -> None:
    page, watched = desk
    number = "+919812340012"
    sign_in(page, web.url, number)
    page.get_by_role("button", name="+ New gem").click()
    dialog = page.get_by_role("dialog", name="New gem")
    dialog.get_by_label("Name").fill("Rail planner")
    dialog.get_by_label("Description").fill("Trips by train")
    dialog.get_by_label("Instructions").fill("Suggest trains, never flights.")
    dialog.get_by_label("Temperature").fill("0.4")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="New chat with Rail planner").click()
    expect(page.locator("#room-title")).to_have_text("New chat with Rail planner")
    send(page, "Pune to Goa?")
    wait_until_written(page)
    bearer = bearer_client(web.url, number)
    room = bearer.get("/chatroom/" + page.evaluate("location.hash").split("/")[1]).json()
    assert (room["gem_instructions"], room["temperature"]) == ("Suggest trains, never flights.", 0.4)

    page.get_by_role("button", name="Edit gem Rail planner").click()
    editing = page.get_by_role("dialog", name="Edit gem")
    expect(editing.get_by_label("Instructions")).to_have_value("Suggest trains, never flights.")
    editing.get_by_label("Name").fill("Rail and road")
    editing.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="New chat with Rail and road")).to_be_visible()
    page.get_by_role("button", name="Edit gem Rail and road").click()
    page.get_by_role("dialog", name="Edit gem").get_by_role("button", name="Delete").click()
    assert watched.dialogs and "Rail and road" in watched.dialogs[-1]
    expect(page.locator("#gems li")).to_have_count(0)
    assert bearer.get("/gems").json() == {"items": []}
    # The chat keeps what it started with.
    kept = bearer.get(f"/chatroom/{room['id']}").json()
    assert kept["gem_instructions"] == "Suggest trains, never flights."

    # A gem deleted elsewhere after it was picked: said, and what was typed stays.
    doomed = bearer.post("/gems", json={"name": "Short-lived"}).json()
    page.reload()
    page.get_by_role("button", name="New chat with Short-lived").click()
    bearer.delete(f"/gems/{doomed['id']}")
    send(page, "Still there?")
    expect(page.locator("#alert-text")).to_have_text("Gem not found.")
    expect(page.locator("#room-title")).to_have_text("New chat")
    expect(page.get_by_label("Message", exact=True)).to_have_value("Still there?")
    expect(page.locator("#gems li")).to_have_count(0)


def test_the_model_picker_marks_pro_models_and_the_plan_decides_which_answers(
    web: Service, desk: tuple[Page, Watched]
) -> None:
    page, _ = desk
    number = "+919812340013"
    sign_in(page, web.url, number)
    picker = page.get_by_role("combobox", name="Model")
    expect(picker.locator("option")).to_have_text(["Default (Fake Flash)", "Fake Flash", "Fake Pro · Pro (upgrade)"])
    # A Pro model on Basic: said, with the way to it, and the choice stays.
    picker.select_option("fake-pro")
    expect(page.locator("#alert-text")).to_have_text("Fake Pro is on the Pro plan. Go Pro to use it.")
    expect(picker).to_have_value("")
    page.get_by_role("button", name="+ New gem").click()
    gem = page.get_by_role("dialog", name="New gem")
    gem.get_by_label("Name").fill("Deep thinker")
    gem.get_by_label("Model").select_option("fake-pro")
    gem.get_by_role("button", name="Save").click()
    expect(gem.get_by_role("alert")).to_have_text(
        "fake-pro is on the Pro plan: upgrade to use it, or choose another model."
    )
    gem.get_by_role("button", name="Cancel").click()

    page.locator("#alert").get_by_role("button", name="Go Pro").click()
    expect(page.locator("#notice")).to_have_text("You are on Pro now: no daily limit.", timeout=20_000)
    expect(picker.locator("option")).to_have_text(["Default (Fake Pro)", "Fake Flash", "Fake Pro · Pro"])
    picker.select_option("fake-pro")
    send(page, "Which model are you?")
    reply_id = wait_until_written(page)
    expect(last_reply(page).locator(".msg-model")).to_have_text("Fake Pro")
    expect(last_reply(page).locator(".bubble")).to_contain_text("This is fake-pro answering")
    assert api_message(page, web.url, reply_id)["model"] == "fake-pro"
    expect(picker).to_have_value("fake-pro")
    page.screenshot(path=SCREENSHOTS / "chat-model-picker.png")

    # Back on Basic (an operator's hand here; a cancelled subscription does the same): the
    # chat keeps its choice, says who answers now, and is answered by the Basic default.
    subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "entrypoints.cli", "set-tier", number, "basic"],
        env=web.env,
        check=True,
        capture_output=True,
    )
    page.reload()
    expect(page.locator("#model-notice")).to_have_text(
        "fake-pro needs the Pro plan; fake-flash answers this chat until then."
    )
    expect(picker).to_have_value("fake-pro")
    page.screenshot(path=SCREENSHOTS / "chat-model-notice.png")
    send(page, "And now?")
    wait_until_written(page)
    expect(last_reply(page).locator(".msg-model")).to_have_text("Fake Flash")
    picker.select_option("")
    expect(page.locator("#model-notice")).to_be_hidden()
    expect(page.locator("#notice")).to_have_text("Replies in this chat are written by Fake Flash from now on.")


def test_rename_delete_and_sign_out(web: Service, desk: tuple[Page, Watched]) -> None:
    page, watched = desk
    sign_in(page, web.url, "+919812340007")
    send(page, "Plans for the weekend")
    wait_until_written(page)
    expect(page.locator("#room-title")).to_have_text("Plans for the weekend", timeout=20_000)
    page.get_by_role("button", name="Rename").click()
    page.get_by_label("Chat title").fill("Weekend")
    page.get_by_label("Chat title").press("Enter")
    expect(page.locator("#room-title")).to_have_text("Weekend")
    expect(page.locator("#rooms a")).to_have_text(["Weekend"])
    page.reload()
    expect(page.locator("#room-title")).to_have_text("Weekend")
    page.get_by_role("button", name="Delete").click()
    assert watched.dialogs and "Weekend" in watched.dialogs[-1]
    expect(page.locator("#rooms a")).to_have_count(0)
    expect(page.locator("#room-title")).to_have_text("New chat")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Mobile number")).to_be_visible()
    assert not {c["name"] for c in page.context.cookies()} & {"gc_access", "gc_refresh"}
    page.reload()
    expect(page.get_by_label("Mobile number")).to_be_visible()
    # A wrong code is said in words, and the form stays.
    page.get_by_label("Mobile number").fill("+919812340007")
    page.get_by_role("button", name="Send code").click()
    code = page.get_by_label("The 6-digit code")
    expect(code).to_have_value(re.compile(r"^\d{6}$"))
    code.fill(f"{(int(code.input_value()) + 1) % 1_000_000:06}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#alert-text")).to_have_text("The code is wrong or has expired.")
    expect(code).to_be_visible()


def test_on_a_phone_nothing_scrolls_sideways_and_the_chats_are_a_drawer(
    web: Service, phone: tuple[Page, Watched]
) -> None:
    page, _ = phone
    sign_in(page, web.url, "+919812340008")
    # Dark, as the system is set.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(19, 20, 24)", background
    expect(page.locator("#sidebar")).not_to_be_in_viewport()
    send(page, "W" * 150 + " and `some code`")
    wait_until_written(page)
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "chat-phone.png")
    page.get_by_role("button", name="Show chats").click()
    expect(page.locator("#sidebar")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(page.locator("#sidebar")).not_to_be_in_viewport()
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width
