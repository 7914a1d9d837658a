"""The conversation tree on PostgreSQL: today's data migrates into it, and a room of
100,000 messages in a thousand branches pages, switches and answers correctly."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from adapters.memory.language_model import FakeLanguageModel
from adapters.postgres.migrate import upgrade
from bench.seed import seed_conversation
from tests.http.conftest import Api
from tests.stack import Stack


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_a_linear_history_becomes_one_branch_when_migrated(stack: Stack) -> None:
    if stack.postgres is None:
        pytest.skip("needs the embedded PostgreSQL to create a scratch database")
    stack.postgres.create_database("tree_migration_test", fresh=True)
    url = stack.postgres.url("tree_migration_test")
    await asyncio.to_thread(upgrade, url, "0004")
    connection = await asyncpg.connect(_dsn(url))
    try:
        user, room, empty = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await connection.execute(
            "INSERT INTO users (id, mobile_number, tier, created_at, verified_at) "
            "VALUES ($1, '+919800000077', 'basic', now(), now())",
            user,
        )
        for chatroom in (room, empty):
            await connection.execute(
                "INSERT INTO chatrooms (id, owner_id, title, untitled, created_at, updated_at) "
                "VALUES ($1, $2, 'Old room', false, now(), now())",
                chatroom,
                user,
            )
        # Two exchanges and a failed third; a question and its reply share a time.
        ids = [uuid.uuid4() for _ in range(6)]
        rows = [
            (ids[0], "user", "completed", 0, None),
            (ids[1], "model", "completed", 0, ids[0]),
            (ids[2], "user", "completed", 1, None),
            (ids[3], "model", "completed", 1, ids[2]),
            (ids[4], "user", "completed", 2, None),
            (ids[5], "model", "failed", 2, ids[4]),
        ]
        for message_id, role, status, second, reply_to in rows:
            await connection.execute(
                "INSERT INTO messages (id, chatroom_id, role, content, status, created_at, attempt, reply_to, "
                "refunded) VALUES ($1, $2, $3, 'text', $4, now() + $5 * interval '1 second', 1, $6, false)",
                message_id,
                room,
                role,
                status,
                second,
                reply_to,
            )
    finally:
        await connection.close()
    await asyncio.to_thread(upgrade, url)
    connection = await asyncpg.connect(_dsn(url))
    try:
        parents = {
            r["id"]: (r["parent_id"], r["finish_reason"])
            for r in await connection.fetch("SELECT id, parent_id, finish_reason FROM messages")
        }
        assert [parents[i] for i in ids] == [
            (None, None),
            (ids[0], "stop"),
            (ids[1], None),
            (ids[2], "stop"),
            (ids[3], None),
            (ids[4], "error"),
        ]
        leaves = {r["id"]: r["active_leaf_id"] for r in await connection.fetch("SELECT * FROM chatrooms")}
        assert leaves == {room: ids[5], empty: None}
        # The failed reply can be retried, so it is counted by its owner once in flight
        # again (0020); the finished ones are left as they were.
        owners = {r["id"]: r["owner_id"] for r in await connection.fetch("SELECT id, owner_id FROM messages")}
        assert [owners[i] for i in ids] == [None, None, None, None, None, user]
    finally:
        await connection.close()


async def test_a_room_of_100000_messages_in_a_thousand_branches_pages_switches_and_answers(
    real_api: Api,
    stack: Stack,
) -> None:
    model = FakeLanguageModel(chunks=2, chunk_delay=0)
    real_api.container.services.language_model.override(model)  # type: ignore[arg-type]
    token = await real_api.sign_in()
    room = await real_api.chatroom(token, "A long one")
    connection = await asyncpg.connect(_dsn(stack.database_url))
    try:
        seeded = await seed_conversation(connection, room, messages=100_000, branch_every=100)
        await connection.execute("ANALYZE messages")
    finally:
        await connection.close()
    main: list[str] = seeded["main"]
    assert seeded["branches"] == 1000

    async def page(**params: Any) -> dict[str, Any]:
        response = await real_api.request("GET", f"/chatroom/{room}/messages", token, params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    newest = await page(limit=50)
    assert [m["id"] for m in newest["items"]] == main[-50:]
    older = await page(limit=50, cursor=newest["next_cursor"])
    assert [m["id"] for m in older["items"]] == main[-100:-50]
    # The newest reply of the main branch (message 100,000) has a newer version.
    versioned = newest["items"][-1]
    assert (versioned["sibling_index"], versioned["sibling_count"]) == (0, 2)
    version = versioned["next_sibling_id"]
    assert all(m["sibling_count"] == 1 for m in newest["items"][:-1] + older["items"])

    # Switching to that version shows its own thread, and the main branch before it.
    switched = await real_api.request("PATCH", f"/chatroom/{room}", token, json={"active_leaf_id": version})
    assert switched.status_code == 200, switched.text
    shown = (await page(limit=5))["items"]
    assert [m["id"] for m in shown[:2]] == main[-3:-1] and shown[2]["id"] == version
    assert shown[2]["previous_sibling_id"] == main[-1] and switched.json()["active_leaf_id"] == shown[-1]["id"]
    # Near the root, the newest version at every step leads into the first branch.
    near_root = await real_api.request("PATCH", f"/chatroom/{room}", token, json={"active_leaf_id": main[1]})
    first_branch = (await page(limit=3, leaf=near_root.json()["active_leaf_id"]))["items"]
    assert first_branch[0]["parent_id"] == main[98] and first_branch[0]["previous_sibling_id"] == main[99]
    assert [m["role"] for m in first_branch] == ["model", "user", "model"]

    # Back on the main branch, a new message is answered from that branch alone.
    await real_api.request("PATCH", f"/chatroom/{room}", token, json={"active_leaf_id": main[-1]})
    sent = await real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": "and now?"})
    reply = await real_api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert reply["status"] == "completed"
    turns = [t.text for t in model.calls[-1]]
    assert turns[-1] == "and now?" and turns[-2].startswith("Message 100000:")
    assert not any(t.startswith("Version") for t in turns) and len(turns) < 1000
