"""``python -m entrypoints.cli migrate`` brings the database schema up to date (against
DATABASE_URL); ``downgrade REVISION`` steps it back."""

from __future__ import annotations

import argparse
import sys

from adapters.postgres.migrate import downgrade, upgrade
from entrypoints.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m entrypoints.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database schema to the latest revision")
    back = commands.add_parser("downgrade", help="downgrade the database schema")
    back.add_argument("revision", help="a revision id, or 'base' for an empty database")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    assert settings.database_url is not None
    if args.command == "migrate":
        upgrade(settings.database_url)
        print("database schema is up to date")
    else:
        downgrade(settings.database_url, args.revision)
        print(f"database schema is at {args.revision}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
