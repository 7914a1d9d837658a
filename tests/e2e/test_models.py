"""Models on the real stack: Gemini and an OpenAI-compatible server side by side (one
wire-level fake serves both), the plan gate, and a Pro subscription bought, cancelled
and bought again through Stripe's signed events (the fake Stripe API and real signing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Client, Service, deliver_event, pay_for_pro, running_service, stripe_env
from tests.fakes.background import BackgroundServer
from tests.fakes.llm_server import GOOD_KEY
from tests.fakes.stripe_server import fake
from tests.stack import Stack

FLASH, PRO, LLAMA = "gemini-2.5-flash", "gemini-2.5-pro", "llama3.1:8b"


@pytest.fixture
def models_service(
    stack: Stack, tmp_path: Path, fake_gemini: BackgroundServer, fake_stripe: BackgroundServer
) -> Iterator[Service]:
    env = {
        "LLM_MODELS": f"gemini:{FLASH}:basic,gemini:{PRO}:pro:name=Gemini Pro,openai:{LLAMA}:basic:context=16384",
        "GEMINI_API_KEY": GOOD_KEY,
        "GEMINI_BASE_URL": fake_gemini.url,
        "OPENAI_API_KEY": GOOD_KEY,
        "OPENAI_BASE_URL": f"{fake_gemini.url}/v1",
        **stripe_env(fake_stripe),
    }
    with running_service(stack, tmp_path, **env) as running:
        yield running


def _ask(client: Client, room: str, text: str, llm: BackgroundServer) -> tuple[str, dict[str, Any]]:
    """Sends a message; the model recorded on its reply and the request the model server got."""
    httpx.delete(f"{llm.url}/_requests").raise_for_status()
    reply = client.http.post(f"/chatroom/{room}/message", json={"content": text})
    assert reply.status_code == 202, reply.text
    answered = client.wait_for_reply(room, reply.json()["reply"]["id"])
    assert answered["status"] == "completed", answered
    [request] = [r for r in httpx.get(f"{llm.url}/_requests").json() if "generateContent" not in r["path"]]
    return str(answered["model"]), request


def test_each_chat_is_answered_by_its_model_through_its_provider_and_the_plan_decides_which(
    models_service: Service, fake_gemini: BackgroundServer
) -> None:
    client = Client(models_service.url)
    catalogue = client.http.get("/models").json()
    assert [(m["id"], m["provider"], m["plan"], m["available"]) for m in catalogue["items"]] == [
        (FLASH, "gemini", "basic", True),
        (PRO, "gemini", "pro", False),
        (LLAMA, "openai", "basic", True),
    ]
    assert catalogue["default_model"] == FLASH and catalogue["items"][1]["display_name"] == "Gemini Pro"
    refused = client.http.post("/chatroom", json={"model": PRO})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "MODEL_NOT_IN_PLAN"
    assert client.http.post("/gems", json={"name": "Deep", "model": PRO}).status_code == 403

    # The OpenAI-compatible server gets its model, the combined instruction and the temperature.
    local = client.http.post(
        "/chatroom", json={"model": LLAMA, "system_instruction": "Answer in French.", "temperature": 0.3}
    ).json()
    model, request = _ask(client, local["id"], "Bonjour?", fake_gemini)
    assert (model, request["path"]) == (LLAMA, "/v1/chat/completions")
    body = request["body"]
    assert (body["model"], body["temperature"], body["max_tokens"]) == (LLAMA, 0.3, 2048)
    assert body["messages"] == [
        {
            "role": "system",
            "content": "You are a helpful, concise assistant.\n\n"
            "Instructions for this conversation, from the person:\nAnswer in French.",
        },
        {"role": "user", "content": "Bonjour?"},
    ]

    room = client.http.post("/chatroom", json={"title": "Plans"}).json()
    model, request = _ask(client, room["id"], "First", fake_gemini)
    assert (model, request["path"]) == (FLASH, f"/v1beta/models/{FLASH}:streamGenerateContent")

    subscription = pay_for_pro(client)
    chosen = client.http.patch(f"/chatroom/{room['id']}", json={"model": PRO})
    assert chosen.status_code == 200 and chosen.json()["effective_model"] == PRO
    model, request = _ask(client, room["id"], "Second", fake_gemini)
    assert (model, request["path"]) == (PRO, f"/v1beta/models/{PRO}:streamGenerateContent")
    assert [c["parts"][0]["text"] for c in request["body"]["contents"]] == ["First", "Echo: First", "Second"]

    # Cancelled: the chat keeps its choice and is answered by the Basic default, and says so.
    deliver_event(client, fake.update_subscription(subscription, status="canceled"))
    assert client.http.get("/user/me").json()["tier"] == "basic"
    shown = client.http.get(f"/chatroom/{room['id']}").json()
    assert (shown["model"], shown["effective_model"]) == (PRO, FLASH)
    assert shown["model_notice"] == f"{PRO} needs the Pro plan; {FLASH} answers this chat until then."
    model, request = _ask(client, room["id"], "Third", fake_gemini)
    assert (model, request["path"]) == (FLASH, f"/v1beta/models/{FLASH}:streamGenerateContent")

    # Pro again: the chat is back on its model, untouched.
    pay_for_pro(client)
    shown = client.http.get(f"/chatroom/{room['id']}").json()
    assert (shown["model"], shown["effective_model"], shown["model_notice"]) == (PRO, PRO, None)
    model, _ = _ask(client, room["id"], "Fourth", fake_gemini)
    assert model == PRO

    usage = client.http.get("/user/usage").json()["by_model"]
    assert {m["model"]: m["replies"] for m in usage} == {FLASH: 2, PRO: 2, LLAMA: 1}


def test_bad_settings_are_refused_naming_the_field_and_nothing_is_kept(service: Service) -> None:
    """The rules of instructions, chat settings, gems and models, on the real stack (the
    fake offers fake-flash on Basic and fake-pro on Pro)."""
    client = Client(service.url)
    room = client.http.post("/chatroom", json={"title": "Settings"}).json()["id"]
    refused = [
        client.http.put("/user/instructions", json={"about_me": "x" * 1501}),
        client.http.post("/chatroom", json={"system_instruction": "x" * 4001}),
        client.http.patch(f"/chatroom/{room}", json={"temperature": 2.5}),
        client.http.patch(f"/chatroom/{room}", json={"model": "gpt-9"}),
        client.http.post("/gems", json={"name": "G", "temperature": -0.1}),
        client.http.post("/gems", json={"name": "G", "instructions": "x" * 4001}),
    ]
    assert [(r.status_code, r.json()["error"]["details"][0]["field"]) for r in refused] == [
        (422, "about_me"),
        (422, "system_instruction"),
        (422, "temperature"),
        (422, "model"),
        (422, "temperature"),
        (422, "instructions"),
    ]
    pro = client.http.patch(f"/chatroom/{room}", json={"model": "fake-pro"})
    assert pro.status_code == 403 and pro.json()["error"]["details"][0]["plan"] == "pro"
    assert client.http.get("/user/instructions").json() == {"about_me": "", "response_style": ""}
    shown = client.http.get(f"/chatroom/{room}").json()
    assert (shown["temperature"], shown["model"], shown["effective_model"]) == (None, None, "fake-flash")
    assert client.http.get("/gems").json() == {"items": []}
    assert [r["id"] for r in client.http.get("/chatroom").json()["items"]] == [room]

    # Fifty gems at most; another person's gem is not found, whatever it is used for.
    for n in range(50):
        assert client.http.post("/gems", json={"name": f"Gem {n}"}).status_code == 201
    assert client.http.post("/gems", json={"name": "One too many"}).json()["error"]["code"] == "CONFLICT"
    gem = client.http.get("/gems").json()["items"][0]["id"]
    stranger = Client(service.url, "+919800000009")
    for method, path, body in (
        ("GET", f"/gems/{gem}", None),
        ("PATCH", f"/gems/{gem}", {"name": "Mine"}),
        ("DELETE", f"/gems/{gem}", None),
        ("POST", "/chatroom", {"gem_id": gem}),
    ):
        response = stranger.http.request(method, path, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "NOT_FOUND"), path
    assert client.http.get(f"/gems/{gem}").json()["name"] == "Gem 0"
