"""Leaving with your chats, bringing chats in, and leaving for good: exports, imports and
account deletion, over HTTP on the in-process adapters (the real stack's versions are in
tests/e2e/test_take_away.py)."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from typing import Any

import pytest

from adapters.archives import zip as zip_archives
from adapters.memory.language_model import FakeLanguageModel
from domain.exports import EXPORT_LIFETIME
from entrypoints.container import adapter_set
from tests.http.conftest import Api
from tests.support import MutableClock, png

OTHER = "+919812345678"


async def _upload(api: Api, token: str, data: bytes, name: str) -> str:
    response = await api.request("POST", "/uploads", token, files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _export(api: Api, token: str) -> dict[str, Any]:
    """Ask for an export and wait until the in-process worker has written it."""
    asked = await api.request("POST", "/exports", token)
    assert asked.status_code == 202, asked.text
    for _ in range(300):
        export = (await api.request("GET", f"/exports/{asked.json()['id']}", token)).json()
        if export["status"] not in ("pending", "writing"):
            return dict(export)
        await asyncio.sleep(0.01)
    raise AssertionError("the export never finished")


async def _import(api: Api, token: str, data: bytes, name: str = "archive.zip") -> Any:
    return await api.request("POST", "/imports", token, files={"file": (name, data, "application/octet-stream")})


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


# Exports


async def test_an_export_holds_every_branch_and_file_and_only_its_owner_downloads_it(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Trip")
    photo = await _upload(api, token, png((32, 16)), "beach.png")
    sent = await api.request(
        "POST", f"/chatroom/{room}/message", token, json={"content": "Where is this?", "attachment_ids": [photo]}
    )
    first = await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    again = await api.request("POST", f"/chatroom/{room}/messages/{first['id']}/regenerate", token)
    assert again.status_code == 202, again.text
    await api.wait_for_reply(token, room, again.json()["reply"]["id"])
    export = await _export(api, token)
    assert export["status"] == "ready" and export["chatrooms_total"] == export["chatrooms_done"] == 1
    assert export["download_path"] == f"/exports/{export['id']}/archive" and export["expires_at"]

    stranger = await api.sign_in(OTHER)
    assert (await api.request("GET", f"/exports/{export['id']}", stranger)).status_code == 404
    assert (await api.request("GET", export["download_path"], stranger)).status_code == 404
    downloaded = await api.request("GET", export["download_path"], token)
    assert downloaded.status_code == 200 and downloaded.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(downloaded.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["chatrooms"], manifest["messages"]) == (1, 3)  # the question and both replies
    [chat] = [json.loads(line) for line in archive.read("chatrooms.jsonl").splitlines()]
    assert chat["title"] == "Trip"
    messages = [json.loads(line) for line in archive.read("messages.jsonl").splitlines()]
    assert [m["role"] for m in messages] == ["user", "model", "model"]
    assert messages[0]["attachments"][0]["filename"] == "beach.png"
    stored = (await api.request("GET", f"/uploads/{photo}", token)).content
    assert archive.read(f"files/{photo}") == stored


async def test_an_export_is_409_until_written_and_404_a_day_after(
    api: Api, model: FakeLanguageModel, clock: MutableClock
) -> None:
    token = await api.sign_in()
    await api.say(token, await api.chatroom(token), "Hello")
    held: list[str] = []

    async def hold(export_id: str) -> None:
        held.append(export_id)

    queue = adapter_set(api.container).job_queue()
    queue.enqueue_export = hold  # the worker has not got to it yet
    asked = (await api.request("POST", "/exports", token)).json()
    assert asked["status"] == "pending" and asked["download_path"] is None
    # Asking again while it waits answers the same export.
    assert (await api.request("POST", "/exports", token)).json()["id"] == asked["id"]
    early = await api.request("GET", f"/exports/{asked['id']}/archive", token)
    assert early.status_code == 409 and _code(early) == "CONFLICT"
    await api.container.write_export().execute(held[0])
    assert (await api.request("GET", f"/exports/{asked['id']}/archive", token)).status_code == 200
    assert await api.container.sweep_exports().execute() == 0  # a day is a day
    clock.advance(seconds=EXPORT_LIFETIME.total_seconds() + 1)
    token = await api.sign_in()  # the clock moved past the access token's life
    expired = (await api.request("GET", f"/exports/{asked['id']}", token)).json()
    assert expired["status"] == "expired" and expired["download_path"] is None
    assert (await api.request("GET", f"/exports/{asked['id']}/archive", token)).status_code == 404
    files = adapter_set(api.container).files()
    assert await files.keys("exports/")
    assert await api.container.sweep_exports().execute() == 1
    assert await files.keys("exports/") == []
    assert (await api.request("GET", f"/exports/{asked['id']}", token)).status_code == 404


async def test_an_export_its_worker_lost_is_replaced_when_asked_again_an_hour_on(api: Api, clock: MutableClock) -> None:
    token = await api.sign_in()
    queue = adapter_set(api.container).job_queue()
    queue.enqueue_export = _lost  # the job goes, and nobody writes it
    first, second = await asyncio.gather(*(api.request("POST", "/exports", token) for _ in range(2)))
    assert first.json()["id"] == second.json()["id"]
    clock.advance(minutes=61)
    token = await api.sign_in()
    again = (await api.request("POST", "/exports", token)).json()
    assert again["id"] != first.json()["id"] and again["status"] == "pending"
    assert (await api.request("GET", f"/exports/{first.json()['id']}", token)).json()["status"] == "failed"


async def _lost(export_id: str) -> None:
    return None


# Imports


def _chatgpt_conversations() -> list[dict[str, Any]]:
    """Two conversations as ChatGPT exports them: a tree of nodes, with a system message,
    a hidden one, an edited question (two branches) and a tool message in a reply."""

    def node(key: str, parent: str | None, children: list[str], role: str | None, text: str = "", **meta: Any) -> Any:
        message = None
        if role is not None:
            message = {
                "id": key,
                "author": {"role": role},
                "create_time": 1_700_000_000 + len(key),
                "content": {"content_type": "text", "parts": [text]},
                "metadata": meta,
            }
        return {"id": key, "message": message, "parent": parent, "children": children}

    mapping = {
        "root": node("root", None, ["sys"], None),
        "sys": node("sys", "root", ["hidden"], "system", "You are ChatGPT"),
        "hidden": node("hidden", "sys", ["q1", "q1b"], "user", "context", is_visually_hidden_from_conversation=True),
        "q1": node("q1", "hidden", ["a1"], "user", "What is 2+2?"),
        "a1": node("a1", "q1", [], "assistant", "4", model_slug="gpt-4o"),
        "q1b": node("q1b", "hidden", ["tool"], "user", "What is 3+3, really?"),
        "tool": node("tool", "q1b", ["a1b"], "tool", "calculator: 6"),
        "a1b": node("a1b", "tool", [], "assistant", "6", model_slug="gpt-4o"),
    }
    return [
        {"title": "Sums", "create_time": 1_700_000_000, "mapping": mapping, "current_node": "a1b"},
        {"title": "", "create_time": 1_700_000_100, "mapping": {"x": node("x", None, [], "user", "Hi")}},
    ]


async def test_a_chatgpt_export_becomes_chats_with_their_branches(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    data = json.dumps(_chatgpt_conversations()).encode()
    imported = await _import(api, token, data, "conversations.json")
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert [c["title"] for c in body["chatrooms"]] == ["Sums", "New chat"] and body["messages"] == 5
    room = body["chatrooms"][0]["id"]
    shown = (await api.request("GET", f"/chatroom/{room}", token)).json()["messages"]
    # The branch ChatGPT was showing, without its system, hidden and tool messages.
    assert [(m["role"], m["content"]) for m in shown] == [("user", "What is 3+3, really?"), ("model", "6")]
    assert shown[1]["model"] == "gpt-4o"
    assert (shown[0]["sibling_index"], shown[0]["sibling_count"]) == (1, 2)
    # The other version of the question is there too, with its answer.
    switched = await api.request(
        "PATCH", f"/chatroom/{room}", token, json={"active_leaf_id": shown[0]["previous_sibling_id"]}
    )
    assert switched.status_code == 200, switched.text
    contents = [m["content"] for m in (await api.request("GET", f"/chatroom/{room}", token)).json()["messages"]]
    assert contents == ["What is 2+2?", "4"]
    # Imported chats can be searched and go on like any other; nothing was counted.
    found = (await api.request("GET", "/search", token, params={"q": "really"})).json()["items"]
    assert [hit["chatroom_id"] for hit in found] == [room]
    assert (await api.request("GET", "/user/usage", token)).json()["used_today"] == 0
    reply = await api.say(token, room, "And 4+4?")
    assert reply["status"] == "completed"


async def test_an_export_round_trips_through_an_import_with_its_files(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Photos")
    photo = await _upload(api, token, png((40, 30)), "cat.png")
    notes = await _upload(api, token, b"# Notes\nfeed the cat\n", "notes.md")
    sent = await api.request(
        "POST", f"/chatroom/{room}/message", token, json={"content": "Look", "attachment_ids": [photo, notes]}
    )
    await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    export = await _export(api, token)
    archive = (await api.request("GET", export["download_path"], token)).content

    newcomer = await api.sign_in(OTHER)
    imported = await _import(api, newcomer, archive)
    assert imported.status_code == 201, imported.text
    assert (imported.json()["messages"], imported.json()["files"]) == (2, 2)
    copy = imported.json()["chatrooms"][0]
    assert copy["title"] == "Photos" and copy["id"] != room
    original = (await api.request("GET", f"/chatroom/{room}", token)).json()["messages"]
    brought = (await api.request("GET", f"/chatroom/{copy['id']}", newcomer)).json()["messages"]
    assert [(m["role"], m["content"]) for m in brought] == [(m["role"], m["content"]) for m in original]
    files = brought[0]["attachments"]
    assert [(f["filename"], f["kind"], f["width"]) for f in files] == [
        ("cat.png", "image", 40),
        ("notes.md", "text", None),
    ]
    assert {f["id"] for f in files}.isdisjoint({photo, notes})  # new uploads, the newcomer's own
    text = await api.request("GET", f"/uploads/{files[1]['id']}", newcomer)
    assert text.content == b"# Notes\nfeed the cat\n"
    assert (await api.request("GET", f"/uploads/{files[1]['id']}", token)).status_code == 404


async def test_what_cannot_be_imported_is_refused_plainly_and_imports_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await api.sign_in()
    # What a document may unpack to, made small so a small bomb is one.
    monkeypatch.setattr(zip_archives, "MAX_DOCUMENT_BYTES", 64 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("conversations.json", b"[" + b" " * (1024 * 1024) + b"]")
    foreign = io.BytesIO()
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("manifest.json", json.dumps({"format": "somebody-else", "version": 1}))
    cases = {
        "not json": b"\x00\x01 not a document",
        "not a list": b'{"mapping": {}}',
        "no messages": b"[]",
        "a bomb": bomb.getvalue(),
        "foreign archive": foreign.getvalue(),
        "broken zip": b"PK\x03\x04 broken",
    }
    for name, data in cases.items():
        refused = await _import(api, token, data)
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["error"]["details"][0]["field"] == "file", name
    assert (await api.request("GET", "/chatroom", token)).json()["items"] == []
    assert (await api.request("POST", "/imports", token, json={})).status_code == 415


# Deleting the account


async def test_deleting_an_account_needs_a_fresh_code_and_leaves_nothing(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    other = await api.sign_in(OTHER)
    others_room = await api.chatroom(other, "Not mine")
    room = await api.chatroom(token, "Mine")
    await api.say(token, room, "Remember this")
    await _upload(api, token, png(), "me.png")
    await api.request("POST", f"/chatroom/{room}/shares", token)
    await _export(api, token)

    bare = await api.request("DELETE", "/user/me", token, json={})
    assert bare.status_code == 422 and bare.json()["error"]["details"][0]["field"] == "otp"
    wrong = await api.request("DELETE", "/user/me", token, json={"otp": "000000"})
    assert wrong.status_code == 401 and _code(wrong) == "INVALID_OTP"
    assert (await api.request("GET", f"/chatroom/{room}", token)).status_code == 200  # nothing went
    code = (await api.request("POST", "/auth/send-confirmation-code", token)).json()["otp"]
    deleted = await api.request("DELETE", "/user/me", token, json={"otp": code})
    assert deleted.status_code == 204, deleted.text

    assert (await api.request("GET", "/user/me", token)).status_code == 401
    database = adapter_set(api.container).database()
    left = {name: len(rows) for name, rows in database.tables.items() if rows}
    # The other person's account, session, chat; no row of ours anywhere.
    assert left == {"users": 1, "sessions": 1, "chatrooms": 1, "otp_challenges": 1}, left
    assert await adapter_set(api.container).files().keys() == []
    assert (await api.request("GET", f"/chatroom/{others_room}", other)).status_code == 200
    # The number signs up again as a new, empty account.
    again = await api.sign_in()
    me = (await api.request("GET", "/user/me", again)).json()
    assert me["tier"] == "basic" and (await api.request("GET", "/chatroom", again)).json()["items"] == []
