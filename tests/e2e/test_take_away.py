"""Exports, imports and account deletion on the real stack: the worker writes the
archive, PostgreSQL and the files on disk are what is checked, and Pro is cancelled
through the real Stripe adapter against the wire-level fake."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.postgres.tables import metadata
from tests.e2e.conftest import Client, Service, pay_for_pro, running_service, stripe_env
from tests.fakes.background import BackgroundServer
from tests.fakes.stripe_server import fake
from tests.stack import Stack
from tests.support import png

OWNER, OTHER = "+919876543210", "+919812345678"


@pytest.fixture
def paid_service(stack: Stack, tmp_path: Path, fake_stripe: BackgroundServer) -> Iterator[Service]:
    with running_service(stack, tmp_path, **stripe_env(fake_stripe)) as running:
        yield running


def _upload(client: Client, data: bytes, name: str) -> str:
    uploaded = client.http.post("/uploads", files={"file": (name, data, "application/octet-stream")})
    assert uploaded.status_code == 201, uploaded.text
    return str(uploaded.json()["id"])


def _chat_with_files(client: Client) -> tuple[str, list[str]]:
    room = client.http.post("/chatroom", json={"title": "Holiday"}).json()["id"]
    files = [_upload(client, png((48, 32)), "view.png"), _upload(client, b"packing list\n", "list.txt")]
    sent = client.http.post(f"/chatroom/{room}/message", json={"content": "What to pack?", "attachment_ids": files})
    assert sent.status_code == 202, sent.text
    assert client.wait_for_reply(room, sent.json()["reply"]["id"])["status"] == "completed"
    return room, files


def _exported(client: Client) -> dict[str, Any]:
    asked = client.http.post("/exports")
    assert asked.status_code == 202, asked.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        export = client.http.get(f"/exports/{asked.json()['id']}").json()
        if export["status"] not in ("pending", "writing"):
            assert export["status"] == "ready", export
            return dict(export)
        time.sleep(0.1)
    raise AssertionError("the worker never wrote the export")


def _rows_naming(stack: Stack, *needles: str) -> dict[str, int]:
    """Rows of every table whose text (every column) holds any of ``needles``."""

    async def count() -> dict[str, int]:
        engine = create_async_engine(stack.database_url)
        found: dict[str, int] = {}
        async with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for needle in needles:
                    rows = await connection.execute(
                        text(f"SELECT count(*) FROM {table.name} AS row WHERE row::text LIKE :needle"),  # noqa: S608 - our own tables
                        {"needle": f"%{needle}%"},
                    )
                    if n := rows.scalar_one():
                        found[table.name] = found.get(table.name, 0) + n
        await engine.dispose()
        return found

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, count()).result()


def test_an_export_written_by_the_worker_round_trips_through_an_import(service: Service) -> None:
    owner = Client(service.url, OWNER)
    room, files = _chat_with_files(owner)
    export = _exported(owner)
    assert (export["chatrooms_total"], export["chatrooms_done"]) == (1, 1)
    stranger = Client(service.url, OTHER)
    assert stranger.http.get(export["download_path"]).status_code == 404
    archive = owner.http.get(export["download_path"])
    assert archive.status_code == 200 and int(archive.headers["content-length"]) == len(archive.content)
    assert {f"files/{f}" for f in files} <= set(zipfile.ZipFile(io.BytesIO(archive.content)).namelist())

    imported = stranger.http.post("/imports", files={"file": ("chats.zip", archive.content, "application/zip")})
    assert imported.status_code == 201, imported.text
    assert (imported.json()["messages"], imported.json()["files"]) == (2, 2)
    copy = imported.json()["chatrooms"][0]["id"]
    original = owner.http.get(f"/chatroom/{room}").json()["messages"]
    brought = stranger.http.get(f"/chatroom/{copy}").json()["messages"]
    assert [(m["role"], m["content"]) for m in brought] == [(m["role"], m["content"]) for m in original]
    kept = brought[0]["attachments"]
    assert [(a["filename"], a["width"]) for a in kept] == [("view.png", 48), ("list.txt", None)]
    assert stranger.http.get(f"/uploads/{kept[1]['id']}").content == b"packing list\n"
    # The imported chat is the stranger's own: searchable, and it goes on.
    assert {h["chatroom_id"] for h in stranger.http.get("/search", params={"q": "pack"}).json()["items"]} == {copy}
    sent = stranger.http.post(f"/chatroom/{copy}/message", json={"content": "And shoes?"}).json()
    assert stranger.wait_for_reply(copy, sent["reply"]["id"])["status"] == "completed"


def test_deleting_an_account_cancels_pro_and_leaves_no_row_and_no_file(
    paid_service: Service, stack: Stack, tmp_path: Path
) -> None:
    owner = Client(paid_service.url, OWNER)
    me = owner.http.get("/user/me").json()
    subscription = pay_for_pro(owner)
    room, _ = _chat_with_files(owner)
    assert owner.http.post(f"/chatroom/{room}/shares").status_code == 201
    _exported(owner)
    other = Client(paid_service.url, OTHER)
    others_room = other.http.post("/chatroom", json={"title": "Theirs"}).json()["id"]
    assert _rows_naming(stack, me["id"]) and list((tmp_path / "files").rglob(f"*{me['id']}*"))

    code = owner.http.post("/auth/send-confirmation-code").json()["otp"]
    deleted = owner.http.request("DELETE", "/user/me", json={"otp": code})
    assert deleted.status_code == 204, deleted.text

    assert fake.subscriptions[subscription]["status"] == "canceled"  # now, at Stripe
    assert owner.http.get("/user/me").status_code == 401
    assert _rows_naming(stack, me["id"], OWNER) == {}
    assert [p for p in (tmp_path / "files").rglob("*") if me["id"] in str(p) and p.is_file()] == []
    # Billing keeps the ids of the payment events it processed, naming nobody.
    assert _rows_naming(stack, "evt_") == {"processed_events": 3}
    assert other.http.get(f"/chatroom/{others_room}").status_code == 200
    again = Client(paid_service.url, OWNER)
    fresh = again.http.get("/user/me").json()
    assert fresh["id"] != me["id"] and fresh["tier"] == "basic"
    assert again.http.get("/chatroom").json()["items"] == []
