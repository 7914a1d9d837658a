"""The admin CLI against the real stack, as an operator would run it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entrypoints.cli.__main__ import main
from tests.stack import Stack

NUMBER = "+919812345678"


@pytest.fixture
def cli(stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    import asyncio

    asyncio.run(stack.empty())
    for name, value in {
        **stack.env(),
        "APP_ENV": "test",
        "ADAPTERS": "real",
        "PASSWORD_HASH_PROFILE": "cheapest",
    }.items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> tuple[int, Any]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, json.loads(captured.out or captured.err)

    return run


def test_an_operator_manages_a_user_from_the_command_line(cli: Any) -> None:
    code, created = cli("create-user", NUMBER, "--name", "Asha", "--password", "long enough pw")
    assert code == 0 and created["user"]["tier"] == "basic" and created["user"]["has_password"]
    code, shown = cli("show-user", NUMBER)
    assert (
        shown["usage"] == {"used_today": 0, "daily_limit": 5}
        and shown["subscriptions"] == []
        and shown["customer_id"] is None
    )
    code, raised = cli("set-tier", NUMBER, "pro")
    assert raised["user"]["tier"] == "pro"
    assert cli("show-user", NUMBER)[1]["usage"]["daily_limit"] is None
    code, reset = cli("reset-usage", NUMBER)
    assert code == 0 and "reset" in reset
    code, missing = cli("show-user", "+15550000000")
    assert code == 1 and missing["error"]["code"] == "NOT_FOUND"


def test_fake_checkout_makes_a_user_pro_through_the_event_handling(cli: Any) -> None:
    cli("create-user", NUMBER)
    code, paid = cli("fake-checkout", NUMBER)
    assert code == 0 and paid["events"] == ["applied", "applied", "applied"]
    shown = cli("show-user", NUMBER)[1]
    assert shown["user"]["tier"] == "pro" and [s["status"] for s in shown["subscriptions"]] == ["active"]


def test_failed_replies_can_be_queued_again(cli: Any) -> None:
    code, retried = cli("retry-failed", "--hours", "1")
    assert code == 0 and retried == {"requeued": []}
