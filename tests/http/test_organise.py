"""Organising chats: pinned on top, archived out of the list, temporary chats never
listed and gone (with their files) a day after their last message."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import Api
from tests.support import MutableClock, png


async def _titles(api: Api, token: str, *, archived: bool = False, limit: int = 100) -> list[str]:
    """Every page of the list, in order."""
    titles: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if archived:
            params["archived"] = "true"
        if cursor:
            params["cursor"] = cursor
        page = (await api.request("GET", "/chatroom", token, params=params)).json()
        titles += [room["title"] for room in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return titles


async def _patch(api: Api, token: str, room: str, **body: Any) -> Any:
    return await api.request("PATCH", f"/chatroom/{room}", token, json=body)


async def test_pinned_chats_come_first_and_archived_ones_leave_the_list(api: Api, clock: MutableClock) -> None:
    token = await api.sign_in()
    rooms = {}
    for title in ("Oldest", "Older", "Middle", "Newer", "Newest"):
        rooms[title] = await api.chatroom(token, title)
        clock.advance(minutes=1)
    pinned = await _patch(api, token, rooms["Older"], pinned=True)
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    await _patch(api, token, rooms["Oldest"], pinned=True)
    archived = await _patch(api, token, rooms["Middle"], archived=True)
    assert (archived.json()["archived"], archived.json()["pinned"]) == (True, False)
    assert await _titles(api, token) == ["Older", "Oldest", "Newest", "Newer"]
    # Paged a room at a time, across the pinned and the rest: none twice, none missed.
    assert await _titles(api, token, limit=1) == ["Older", "Oldest", "Newest", "Newer"]
    assert await _titles(api, token, archived=True) == ["Middle"]
    # Archiving a pinned chat unpins it; pinning an archived one brings it back.
    await _patch(api, token, rooms["Older"], archived=True)
    await _patch(api, token, rooms["Middle"], pinned=True)
    assert await _titles(api, token) == ["Middle", "Oldest", "Newest", "Newer"]
    assert await _titles(api, token, archived=True) == ["Older"]
    both = await _patch(api, token, rooms["Newer"], pinned=True, archived=True)
    assert both.status_code == 422
    assert (await api.request("GET", "/chatroom?archived=maybe", token)).status_code == 400


async def test_another_persons_chat_cannot_be_pinned_or_archived(api: Api) -> None:
    owner = await api.sign_in("+919800000011")
    room = await api.chatroom(owner, "Mine")
    stranger = await api.sign_in("+919800000012")
    assert (await _patch(api, stranger, room, pinned=True)).status_code == 404
    assert (await _patch(api, stranger, room, archived=True)).status_code == 404
    assert (await api.request("GET", f"/chatroom/{room}", owner)).json()["pinned"] is False


async def test_a_temporary_chat_is_never_listed_and_is_gone_a_day_after_its_last_message(
    api: Api, clock: MutableClock
) -> None:
    token = await api.sign_in()
    kept = await api.chatroom(token, "Kept")
    made = await api.request("POST", "/chatroom", token, json={"title": "Off the record", "temporary": True})
    assert made.status_code == 201 and made.json()["temporary"] is True
    room = made.json()["id"]
    upload = (
        await api.request("POST", "/uploads", token, files={"file": ("p.png", png(), "application/octet-stream")})
    ).json()
    sent = await api.request(
        "POST",
        f"/chatroom/{room}/message",
        token,
        json={"content": "Just between us", "attachment_ids": [upload["id"]]},
    )
    assert sent.status_code == 202
    await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert await _titles(api, token) == ["Kept"]
    assert await _titles(api, token, archived=True) == []
    assert (await _patch(api, token, room, pinned=True)).status_code == 422
    assert (await api.request("GET", f"/chatroom/{room}", token)).status_code == 200  # it works as a chat
    sweep = api.container.sweep_temporary_chatrooms()
    clock.advance(hours=23)
    assert await sweep.execute() == 0
    clock.advance(hours=2)
    assert await sweep.execute() == 1
    token = await api.sign_in()  # a day later: signed in again
    assert (await api.request("GET", f"/chatroom/{room}", token)).status_code == 404
    assert (await api.request("GET", f"/uploads/{upload['id']}", token)).status_code == 404
    assert (await api.request("GET", f"/chatroom/{kept}", token)).status_code == 200
