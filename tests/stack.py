"""The real PostgreSQL and Redis the tests run against: from DATABASE_URL / REDIS_URL
when set (the tests own that database: they empty it), else embedded servers started
once per test session."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.postgres.migrate import upgrade
from adapters.postgres.tables import metadata
from devstack.services import DATA, EmbeddedPostgres, EmbeddedRedis


@dataclass
class Stack:
    database_url: str
    redis_url: str
    postgres: EmbeddedPostgres | None
    redis: EmbeddedRedis | None

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url}

    async def empty(self) -> None:
        """Every table and every Redis key emptied: each test starts from nothing."""
        engine = create_async_engine(self.database_url)
        async with engine.begin() as connection:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} CASCADE"))
        await engine.dispose()
        from redis.asyncio import Redis

        client = Redis.from_url(self.redis_url)
        await client.flushdb()
        await client.aclose()


def start_stack() -> Stack:
    postgres = redis = None
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        postgres = EmbeddedPostgres(DATA / "test-postgres", database="app_test")
        postgres.start()
        postgres.create_database("app_test", fresh=True)
        database_url = postgres.url("app_test")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        redis = EmbeddedRedis(DATA / "test-redis")
        redis_url = redis.start()
    upgrade(database_url)
    return Stack(database_url, redis_url, postgres, redis)
