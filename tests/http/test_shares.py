"""Share links over HTTP: a frozen snapshot, public to whoever has the link and nothing
more; revoked at once; copied into a chat of one's own."""

from __future__ import annotations

import re

import pytest

from adapters.memory.language_model import FakeLanguageModel
from tests.http.conftest import Api


async def test_a_share_is_a_frozen_public_snapshot_without_the_owners_details(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in("+919800000051")
    room = await api.chatroom(token, "Packing for Goa")
    first = await api.say(token, room, "What should I pack?")
    await api.say(token, room, "And for the monsoon?")
    made = await api.request("POST", f"/chatroom/{room}/shares", token, json={"up_to_message_id": first["id"]})
    assert made.status_code == 201, made.text
    share = made.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", share["id"])  # 128 random bits
    assert share["url"].endswith(f"/s/{share['id']}") and share["message_count"] == 2
    # Later changes to the chat change nothing in the snapshot.
    await api.request("PATCH", f"/chatroom/{room}", token, json={"title": "Renamed"})
    await api.say(token, room, "One more")
    public = await api.request("GET", f"/s/{share['id']}")  # no sign-in
    assert public.status_code == 200
    assert public.headers["x-robots-tag"].startswith("noindex") and public.headers["cache-control"] == "no-store"
    body = public.json()
    assert body["title"] == "Packing for Goa"
    assert [(m["role"], m["content"][:19]) for m in body["messages"]] == [
        ("user", "What should I pack?"),
        ("model", 'You said: "What sho'),
    ]
    assert "9800000051" not in public.text and "owner" not in public.text
    page = await api.request("GET", f"/s/{share['id']}", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and "<h1>Packing for Goa</h1>" in page.text
    listed = (await api.request("GET", "/shares", token)).json()["items"]
    assert [s["id"] for s in listed] == [share["id"]]


async def test_revoking_a_link_or_deleting_the_chat_makes_it_404_at_once(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Private soon")
    await api.say(token, room, "Hello")
    one = (await api.request("POST", f"/chatroom/{room}/shares", token)).json()["id"]
    two = (await api.request("POST", f"/chatroom/{room}/shares", token)).json()["id"]
    assert one != two
    stranger = await api.sign_in("+919800000052")
    assert (await api.request("DELETE", f"/shares/{one}", stranger)).status_code == 404
    assert (await api.request("DELETE", f"/shares/{one}", token)).status_code == 204
    assert (await api.request("GET", f"/s/{one}")).status_code == 404
    assert (await api.request("POST", f"/s/{one}/copy", stranger)).status_code == 404
    assert (await api.request("GET", f"/s/{two}")).status_code == 200
    assert (await api.request("DELETE", f"/chatroom/{room}", token)).status_code == 204
    gone = await api.request("GET", f"/s/{two}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "NOT_FOUND"
    assert (await api.request("GET", "/shares", token)).json()["items"] == []


async def test_a_shared_chat_is_copied_into_a_chat_of_ones_own_that_goes_on(api: Api, model: FakeLanguageModel) -> None:
    owner = await api.sign_in("+919800000053")
    room = await api.chatroom(owner, "Recipes")
    await api.say(owner, room, "A quick dal?")
    share = (await api.request("POST", f"/chatroom/{room}/shares", owner)).json()["id"]
    reader = await api.sign_in("+919800000054")
    copied = await api.request("POST", f"/s/{share}/copy", reader)
    assert copied.status_code == 201, copied.text
    mine = copied.json()
    assert mine["title"] == "Recipes"
    assert (await api.request("GET", "/user/usage", reader)).json()["used_today"] == 0  # nothing asked, nothing counted
    shown = (await api.request("GET", f"/chatroom/{mine['id']}", reader)).json()["messages"]
    assert [m["role"] for m in shown] == ["user", "model"] and shown[0]["content"] == "A quick dal?"
    reply = await api.say(reader, mine["id"], "Without onions?")
    assert reply["status"] == "completed"
    assert model.prompts[-1].turns[0].text == "A quick dal?"  # the model sees the copied history
    assert (await api.request("GET", f"/chatroom/{room}", reader)).status_code == 404  # the original stays theirs
    assert (await api.request("POST", f"/s/{share}/copy")).status_code == 401


@pytest.mark.parametrize("share_id", ["x", "a" * 22 + "/", "../../etc", "%00", "a" * 200])
async def test_a_made_up_link_is_a_plain_404(api: Api, share_id: str) -> None:
    answer = await api.request("GET", f"/s/{share_id}")
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "NOT_FOUND"


async def test_what_cannot_be_shared_is_said(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    empty = await api.chatroom(token, "Empty")
    refused = await api.request("POST", f"/chatroom/{empty}/shares", token)
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "up_to_message_id"
    temporary = (await api.request("POST", "/chatroom", token, json={"temporary": True})).json()["id"]
    off_record = await api.say(token, temporary, "Off the record")
    kept_off = await api.request("POST", f"/chatroom/{temporary}/shares", token)
    assert kept_off.status_code == 422 and kept_off.json()["error"]["details"][0]["field"] == "chatroom_id"
    other = await api.chatroom(token, "Other")
    await api.say(token, other, "On the record")
    stranger = await api.sign_in("+919800000055")
    assert (await api.request("POST", f"/chatroom/{other}/shares", stranger)).status_code == 404
    # A message of another chat (even one's own) is not a point of this one.
    for elsewhere in (off_record["id"], "00000000-0000-0000-0000-000000000000"):
        foreign = await api.request("POST", f"/chatroom/{other}/shares", token, json={"up_to_message_id": elsewhere})
        assert foreign.status_code == 422, foreign.text
        assert "must be a message of this chatroom" in foreign.json()["error"]["details"][0]["message"]
    assert (await api.request("GET", "/shares", token)).json()["items"] == []
