"""Client developers generate code from the OpenAPI document. Generate a typed Python
client with a well-kept generator (openapi-python-client) and walk the main flow
through it, against the running service: every response must parse into the model
the document promised."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from devstack.services import free_port
from entrypoints.asgi import build_app
from tests.fakes.background import BackgroundServer
from tests.support import make_settings


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    running = BackgroundServer(build_app(make_settings(FAKE_LLM_CHUNK_DELAY="0")), free_port()).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def generated(server: BackgroundServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The client package, generated from the document the service serves."""
    root = tmp_path_factory.mktemp("generated")
    document = root / "openapi.json"
    import httpx

    document.write_text(json.dumps(httpx.get(f"{server.url}/schema/openapi.json").json()))
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(  # noqa: S603 - the generator installed with the dev dependencies
        [
            str(generator),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(root / "chat_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Unable to" not in done.stdout, done.stdout  # an operation the generator had to skip
    sys.path.insert(0, str(root))
    yield "chat_client"
    sys.path.remove(str(root))


def _module(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def _call(package: str, operation: str, **kwargs: Any) -> Any:
    """Call an operation; anything but the documented success model fails the test."""
    area, name = operation.split(".")
    response = _module(package, f"api.{area}.{name}").sync_detailed(**kwargs)
    parsed = response.parsed
    assert parsed is not None and type(parsed).__name__ != "ErrorEnvelope", (operation, response.content)
    return parsed


def test_the_main_flow_through_a_client_generated_from_the_document(server: BackgroundServer, generated: str) -> None:
    client_module = _module(generated, "client")
    models = _module(generated, "models")
    anonymous = client_module.Client(base_url=server.url)
    number = "+447700900444"

    sent = _call(generated, "auth.send_otp", client=anonymous, body=models.MobileNumberRequest(mobile_number=number))
    tokens = _call(
        generated, "auth.verify_otp", client=anonymous, body=models.VerifyOtpRequest(mobile_number=number, otp=sent.otp)
    )
    assert tokens.user.mobile_number == number and tokens.token_type == "bearer"
    signed_in = client_module.AuthenticatedClient(base_url=server.url, token=tokens.access_token)

    room = _call(
        generated, "chatrooms.create_chatroom", client=signed_in, body=models.CreateChatroomRequest(title="Generated")
    )
    accepted = _call(
        generated,
        "chatrooms.send_message",
        chatroom_id=room.id,
        client=signed_in,
        body=models.SendMessageRequest(content="Hello from a generated client"),
    )
    for _ in range(200):
        reply = _call(
            generated, "chatrooms.get_message", chatroom_id=room.id, message_id=accepted.reply.id, client=signed_in
        )
        if reply.status in ("completed", "failed"):
            break
        time.sleep(0.02)
    assert reply.status == "completed" and "Hello from a generated client" in reply.content

    first = _call(generated, "chatrooms.list_messages", chatroom_id=room.id, client=signed_in, limit=1)
    older = _call(
        generated, "chatrooms.list_messages", chatroom_id=room.id, client=signed_in, limit=1, cursor=first.next_cursor
    )
    assert [m.role for m in (*older.items, *first.items)] == ["user", "model"]
    rooms = _call(generated, "chatrooms.list_chatrooms", client=signed_in)
    assert [r.id for r in rooms.items] == [room.id]
    usage = _call(generated, "user.get_usage", client=signed_in)
    assert usage.used_today == 1 and usage.daily_limit == 5
    profile = _call(generated, "user.get_profile", client=signed_in)
    assert profile.id == tokens.user.id
    missing = _module(generated, "api.chatrooms.get_chatroom").sync_detailed(
        chatroom_id="00000000-0000-0000-0000-000000000000", client=signed_in
    )
    assert missing.status_code == 404 and missing.parsed.error.code == "NOT_FOUND"  # errors parse too


def test_the_document_says_exactly_what_routes_send(server: BackgroundServer) -> None:
    import re

    import httpx

    document = httpx.get(f"{server.url}/schema/openapi.json").json()
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    for path, method, operation in operations:
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", operation["operationId"]), operation["operationId"]
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (method, path, status)
                [example] = response["content"]["application/json"]["examples"].values()
                assert example["value"]["error"]["code"].isupper(), (method, path, status)
    # Every path parameter can be wrong, so every route with one documents the 400 it answers.
    for path, method, operation in operations:
        if "{" in path:
            assert "400" in operation["responses"], (method, path)
    # Examples are written by people: no generated filler like 'vmoGjgxiHQOyswaLrqex'.
    examples = json.dumps([s.get("examples") for s in document["components"]["schemas"].values()])
    assert not re.search(r"[A-Za-z]{16,}", examples.replace("VALIDATION_ERROR", ""))
