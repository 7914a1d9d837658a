"""Searching one's chats over HTTP: only one's own, safe snippets, paging, and what is
never found (temporary and deleted chats)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.memory.language_model import FakeLanguageModel
from tests.http.conftest import Api


async def _search(api: Api, token: str, q: str, **params: Any) -> Any:
    return await api.request("GET", "/search", token, params={"q": q, **params})


async def test_a_search_finds_ones_own_words_and_marks_them_safely(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Monsoon plans")
    await api.say(token, room, "Is <b>Kerala</b> wet in July?")
    found = await _search(api, token, "kerala")
    assert found.status_code == 200, found.text
    hits = found.json()["items"]
    # The question, and the fake model's reply that quotes it.
    assert {(h["role"], h["chatroom_title"]) for h in hits} == {("user", "Monsoon plans"), ("model", "Monsoon plans")}
    question = next(h for h in hits if h["role"] == "user")
    assert question["snippet"] == "Is &lt;b&gt;<mark>Kerala</mark>&lt;/b&gt; wet in July?"
    assert question["chatroom_id"] == room and question["message_id"]
    title = (await _search(api, token, "monsoon")).json()["items"]
    assert [(h["message_id"], h["snippet"]) for h in title] == [(None, "<mark>Monsoon</mark> plans")]
    stranger = await api.sign_in("+919800000041")
    assert (await _search(api, stranger, "kerala")).json() == {"items": [], "next_cursor": None}


async def test_results_page_by_cursor_and_deleted_or_temporary_chats_never_show(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in()
    rooms = [await api.chatroom(token, f"Chat {n}") for n in range(3)]
    for room in rooms:
        await api.say(token, room, "about lighthouses")
    temporary = (await api.request("POST", "/chatroom", token, json={"temporary": True})).json()["id"]
    await api.say(token, temporary, "lighthouses in secret")
    seen, cursor = [], None
    while True:
        page = (await _search(api, token, "lighthouses", limit=4, **({"cursor": cursor} if cursor else {}))).json()
        seen += [h["message_id"] for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6  # three questions and three replies; none of the temporary chat
    assert (await api.request("DELETE", f"/chatroom/{rooms[0]}", token)).status_code == 204
    left = (await _search(api, token, "lighthouses", limit=100)).json()["items"]
    assert len(left) == 4 and rooms[0] not in {h["chatroom_id"] for h in left}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": ""}, 422),
        ({"q": "   "}, 422),
        ({"q": "x" * 201}, 422),
        ({"q": "fine", "cursor": "not-a-cursor"}, 400),
        ({"q": "fine", "cursor": "b2Zmc2V0fC0x"}, 400),  # offset|-1
        ({"q": "fine", "limit": 0}, 400),
        ({"q": "fine", "sort": "new"}, 400),
        ({}, 400),
    ],
)
async def test_a_bad_search_is_a_clear_error(api: Api, params: dict[str, Any], status: int) -> None:
    token = await api.sign_in()
    answer = await api.request("GET", "/search", token, params=params)
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()


async def test_query_syntax_alone_finds_nothing_rather_than_failing(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Anything")
    await api.say(token, room, "some words")
    for q in ['"', "-", "or", "- -", '""', "!!!", "\\", "'", "%", "&|!"]:
        answer = await _search(api, token, q)
        assert answer.status_code == 200, (q, answer.text)
    assert (await api.request("GET", "/search", params={"q": "words"})).status_code == 401
