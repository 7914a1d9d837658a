"""Schema migrations (Alembic), configured in code so no alembic.ini needs to be found."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaNotCurrent(Exception):
    """The database is not at the schema this code expects."""


# Alembic is imported where it is used: the API and the worker only need to read the
# head revision, and importing it early logs before logging is configured.


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # '%' would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        try:
            row = (await connection.execute(text("SELECT version_num FROM alembic_version"))).first()
        except DBAPIError:
            return None
    return None if row is None else str(row[0])


async def ensure_schema_is_current(engine: AsyncEngine) -> None:
    """Refuse to serve from a database whose schema this code does not expect."""
    current, expected = await current_revision(engine), head_revision()
    if current != expected:
        raise SchemaNotCurrent(
            f"The database schema is at {current or 'nothing (not migrated)'}, this code needs {expected}. "
            "Run: make migrate   (or: python -m entrypoints.cli migrate)"
        )
