"""Operator commands against the configured database (DATABASE_URL) and queue:

    python -m entrypoints.cli migrate | downgrade REVISION
    python -m entrypoints.cli create-user +919876543210 [--name N] [--password P] [--pro]
    python -m entrypoints.cli show-user +919876543210
    python -m entrypoints.cli set-tier +919876543210 pro|basic
    python -m entrypoints.cli reset-usage +919876543210 [--day YYYY-MM-DD]
    python -m entrypoints.cli retry-failed [--hours 24]
    python -m entrypoints.cli fake-checkout +919876543210    (development, fake payments)

Each prints JSON. Under `make run` the database is the embedded one: `make cli ARGS="..."`
points the CLI at it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, timedelta
from typing import Any

from adapters.postgres.migrate import downgrade, upgrade
from application.use_cases.authenticate import Principal
from domain.errors import DomainError
from domain.users import Tier
from entrypoints.container import Container, build_container
from entrypoints.resources import close_resources, open_resources
from entrypoints.settings import Settings, SettingsError, load_settings


def _user_json(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "mobile_number": user.mobile_number.value,
        "name": user.name,
        "tier": user.tier.value,
        "has_password": user.has_password,
        "created_at": user.created_at.isoformat(),
    }


async def _run(container: Container, args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "create-user":
        user = await container.create_user().execute(args.mobile_number, name=args.name, password=args.password)
        if args.pro:
            user = await container.set_tier().execute(args.mobile_number, Tier.PRO)
        return {"user": _user_json(user)}
    if args.command == "show-user":
        found = await container.show_user().execute(args.mobile_number)
        return {
            "user": _user_json(found.user),
            "usage": {"used_today": found.usage.used, "daily_limit": found.usage.limit},
            "customer_id": found.customer_id,
            "subscriptions": [
                {"subscription_id": sub.subscription_id, "status": sub.status.value} for sub in found.subscriptions
            ],
        }
    if args.command == "set-tier":
        return {"user": _user_json(await container.set_tier().execute(args.mobile_number, Tier(args.tier)))}
    if args.command == "reset-usage":
        day = await container.reset_daily_usage().execute(args.mobile_number, args.day)
        return {"reset": day.isoformat()}
    if args.command == "retry-failed":
        return {"requeued": await container.retry_failed_replies().execute(timedelta(hours=args.hours))}
    if args.command == "fake-checkout":
        if container.settings().payment_provider != "fake" or container.settings().is_production:
            raise SystemExit("fake-checkout is for development with the fake payment provider (no STRIPE_SECRET_KEY)")
        overview = await container.show_user().execute(args.mobile_number)
        # The operator acts for the user; UpgradeToPro reads only the user id.
        session = await container.upgrade_to_pro().execute(Principal(user_id=overview.user.id, session_id="cli"))
        outcomes = await container.complete_test_checkout().execute(session.session_id)
        return {"session_id": session.session_id, "events": [o.value for o in outcomes]}
    raise AssertionError(args.command)


async def _with_container(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    container = build_container(settings)
    await open_resources(container)
    try:
        return await _run(container, args)
    finally:
        await close_resources(container)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m entrypoints.cli", description="Operator commands.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database schema to the latest revision")
    back = commands.add_parser("downgrade", help="downgrade the database schema")
    back.add_argument("revision", help="a revision id, or 'base' for an empty database")
    create = commands.add_parser("create-user", help="register a user")
    create.add_argument("mobile_number")
    create.add_argument("--name")
    create.add_argument("--password")
    create.add_argument("--pro", action="store_true", help="make the user Pro at once")
    commands.add_parser("show-user", help="a user, today's usage and subscription").add_argument("mobile_number")
    tier = commands.add_parser("set-tier", help="set a user's tier by hand")
    tier.add_argument("mobile_number")
    tier.add_argument("tier", choices=[t.value for t in Tier])
    reset = commands.add_parser("reset-usage", help="forget a user's messages of a UTC day (default today)")
    reset.add_argument("mobile_number")
    reset.add_argument("--day", type=date.fromisoformat)
    retry = commands.add_parser("retry-failed", help="queue again the replies that failed recently")
    retry.add_argument("--hours", type=float, default=24.0)
    commands.add_parser("fake-checkout", help="development: pay for Pro on the fake provider").add_argument(
        "mobile_number"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command in ("migrate", "downgrade"):
        assert settings.database_url is not None
        if args.command == "migrate":
            upgrade(settings.database_url)
        else:
            downgrade(settings.database_url, args.revision)
        print(json.dumps({"schema": "up to date" if args.command == "migrate" else args.revision}))
        return 0
    try:
        result = asyncio.run(_with_container(settings, args))
    except DomainError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message}}), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
