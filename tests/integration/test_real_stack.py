"""The real adapters together: migrations, the quota against PostgreSQL, the service
when Redis is down."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.postgres.migrate import current_revision, downgrade, head_revision, upgrade
from adapters.postgres.tables import metadata
from entrypoints.container import Container
from tests.http.conftest import Api
from tests.stack import Stack


async def _tables(url: str) -> set[str]:
    return set(await _columns(url))


async def _columns(url: str) -> dict[str, set[tuple[str, bool]]]:
    """Each table's columns as (name, nullable), as the database has them."""

    def read(sync: Any) -> dict[str, set[tuple[str, bool]]]:
        inspector = inspect(sync)
        return {
            table: {(column["name"], bool(column["nullable"])) for column in inspector.get_columns(table)}
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }

    engine = create_async_engine(url)
    async with engine.connect() as connection:
        columns = await connection.run_sync(read)
    await engine.dispose()
    return columns


@pytest.fixture
def scratch_database(stack: Stack) -> str:
    if stack.postgres is None:
        pytest.skip("needs the embedded PostgreSQL to create a scratch database")
    stack.postgres.create_database("migrations_test", fresh=True)
    return stack.postgres.url("migrations_test")


async def test_migrations_go_up_and_down_and_match_the_tables_the_code_uses(scratch_database: str) -> None:
    await asyncio.to_thread(upgrade, scratch_database)
    assert await _tables(scratch_database) == set(metadata.tables)
    await asyncio.to_thread(downgrade, scratch_database, "base")
    assert await _tables(scratch_database) == set()
    await asyncio.to_thread(upgrade, scratch_database)
    code_columns = {
        name: {(column.name, bool(column.nullable)) for column in table.columns}
        for name, table in metadata.tables.items()
    }
    assert await _columns(scratch_database) == code_columns
    engine = create_async_engine(scratch_database)
    assert await current_revision(engine) == head_revision()
    await engine.dispose()


async def test_the_api_refuses_an_unmigrated_database(scratch_database: str, real_container: Container) -> None:
    from adapters.postgres.migrate import SchemaNotCurrent, ensure_schema_is_current

    engine = create_async_engine(scratch_database)
    with pytest.raises(SchemaNotCurrent, match="make migrate"):
        await ensure_schema_is_current(engine)
    await engine.dispose()


async def test_seed_flow_on_postgres_and_redis(real_api: Api) -> None:
    token = await real_api.sign_in()
    room = await real_api.chatroom(token)
    assert [r["id"] for r in (await real_api.request("GET", "/chatroom", token)).json()["items"]] == [room]
    sent = await real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": "Hello"})
    reply = await real_api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert reply["status"] == "completed" and "Hello" in reply["content"]
    # The list reflects the new activity and the model's title (named just after the reply
    # completes) within moments, not when a stale copy would expire (30 s).
    for _ in range(200):
        listed = (await real_api.request("GET", "/chatroom", token)).json()["items"]
        if listed[0]["title"] == "Hello":
            break
        await asyncio.sleep(0.01)
    assert listed[0]["title"] == "Hello" and listed[0]["updated_at"] >= reply["created_at"][:19]
    for _ in range(4):
        assert (
            await real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x"})
        ).status_code == 202
    assert (
        await real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x"})
    ).status_code == 429


async def test_a_redis_flush_grants_no_extra_messages(real_api: Api, stack: Stack) -> None:
    token = await real_api.sign_in()
    room = await real_api.chatroom(token)
    for _ in range(5):
        await real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x"})
    from redis.asyncio import Redis

    client = Redis.from_url(stack.redis_url)
    await client.flushall()
    await client.aclose()
    refused = await real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x"})
    assert refused.status_code == 429


async def test_fifty_concurrent_sends_give_exactly_five(real_api: Api) -> None:
    token = await real_api.sign_in()
    room = await real_api.chatroom(token)
    responses = await asyncio.gather(
        *(real_api.request("POST", f"/chatroom/{room}/message", token, json={"content": f"m{i}"}) for i in range(50))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(202) == 5 and statuses.count(429) == 45


async def test_with_redis_down_reads_still_work_and_ready_says_which(real_api: Api, stack: Stack) -> None:
    if stack.redis is None:
        pytest.skip("needs the embedded Redis to stop it")
    token = await real_api.sign_in()
    room = await real_api.chatroom(token, "kept")
    stack.redis.stop()
    try:
        listed = await real_api.request("GET", "/chatroom", token)
        assert listed.status_code == 200 and [r["id"] for r in listed.json()["items"]] == [room]
        assert (await real_api.request("GET", "/user/me", token)).status_code == 200
        ready = await real_api.request("GET", "/ready")
        assert ready.status_code == 503
        assert ready.json()["error"]["code"] == "UNAVAILABLE"
        assert ready.json()["error"]["details"] == [
            {"dependency": "database", "status": "ok"},
            {"dependency": "redis", "status": "unavailable"},
        ]
        # The throttles that stop guessing live in Redis: without them, nothing is let
        # through unchecked (before, every throttle allowed everything).
        number = {"mobile_number": "+447700900321"}
        for path, body in (
            ("/auth/send-otp", number),
            ("/auth/verify-otp", {**number, "otp": "123456"}),
            ("/auth/login", {**number, "password": "any password"}),
            ("/auth/signup", {**number, "password": "any password"}),
            ("/auth/forgot-password", number),
            ("/auth/reset-password", {**number, "otp": "123456", "new_password": "a new password"}),
        ):
            refused = await real_api.request("POST", path, json=body)
            assert refused.status_code == 503 and refused.json()["error"]["code"] == "UNAVAILABLE", path
            assert int(refused.headers["retry-after"]) > 0
    finally:
        stack.redis.start()
    assert (await real_api.request("GET", "/ready")).status_code == 200
