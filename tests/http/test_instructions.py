"""A person's standing instructions: kept per person, sent with every reply after the
operator's, and never trimmed to fit the context (the conversation is)."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers
from litestar.testing import AsyncTestClient

from adapters.memory.language_model import FakeLanguageModel
from domain.context import estimate_tokens, instruction_tokens
from entrypoints.asgi import build_app
from tests.http.conftest import Api
from tests.support import MutableClock, make_container, make_settings

OPERATOR = "You are a helpful, concise assistant."


def _model(api: Api) -> FakeLanguageModel:
    model = FakeLanguageModel(chunks=2, chunk_delay=0)
    api.container.services.language_model.override(providers.Object(model))
    return model


async def _ask(api: Api, token: str, room: str, content: str) -> dict[str, Any]:
    sent = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": content})
    assert sent.status_code == 202, sent.text
    return await api.wait_for_reply(token, room, sent.json()["reply"]["id"])


async def test_instructions_are_yours_alone_and_start_empty(api: Api) -> None:
    ada, bob = await api.sign_in("+919800000001"), await api.sign_in("+919800000002")
    assert (await api.request("GET", "/user/instructions", ada)).json() == {"about_me": "", "response_style": ""}
    saved = await api.request(
        "PUT", "/user/instructions", ada, json={"about_me": "  I am a chef in Goa. ", "response_style": "Short."}
    )
    assert saved.status_code == 200
    assert saved.json() == {"about_me": "I am a chef in Goa.", "response_style": "Short."}
    assert (await api.request("GET", "/user/instructions", ada)).json() == saved.json()
    assert (await api.request("GET", "/user/instructions", bob)).json() == {"about_me": "", "response_style": ""}
    # A field left out is cleared.
    cleared = await api.request("PUT", "/user/instructions", ada, json={"response_style": "Long."})
    assert cleared.json() == {"about_me": "", "response_style": "Long."}


async def test_every_reply_follows_the_operators_then_your_instructions(api: Api) -> None:
    model = _model(api)
    token = await api.sign_in()
    room = await api.chatroom(token)
    await _ask(api, token, room, "Before")
    assert model.prompts[-1].system_instruction == OPERATOR
    await api.request(
        "PUT", "/user/instructions", token, json={"about_me": "I cook.", "response_style": "Answer in one line."}
    )
    await _ask(api, token, room, "After")
    assert model.prompts[-1].system_instruction == (
        f"{OPERATOR}\n\n"
        "About the person you are talking with, in their words:\nI cook.\n\n"
        "How they want you to answer, in their words:\nAnswer in one line."
    )
    assert model.prompts[-1].temperature is None  # the deployment's default


async def test_the_conversation_is_trimmed_to_fit_never_the_instructions(clock: MutableClock) -> None:
    settings = make_settings(CONTEXT_TOKEN_BUDGET="4000")
    container = make_container(clock, settings)
    model = FakeLanguageModel(chunks=1, chunk_delay=0)
    container.services.language_model.override(providers.Object(model))
    async with AsyncTestClient(app=build_app(settings, container)) as client:
        api = Api(client, container)
        token = await api.sign_in()
        room = await api.chatroom(token)
        for n in range(3):  # about 1,250 tokens each
            await _ask(api, token, room, f"{n} " + "x" * 5000)
        last = await _ask(api, token, room, "last")
        without = model.prompts[-1]
        long = {"about_me": "a" * 1500, "response_style": "b" * 1500}
        assert (await api.request("PUT", "/user/instructions", token, json=long)).status_code == 200
        # The same conversation again, now with about 800 tokens of instructions.
        again = await api.request("POST", f"/chatroom/{room}/messages/{last['id']}/regenerate", token)
        await api.wait_for_reply(token, room, again.json()["reply"]["id"])
        with_them = model.prompts[-1]
    instruction = with_them.system_instruction
    assert instruction is not None and "a" * 1500 in instruction and "b" * 1500 in instruction
    assert len(without.turns) == 7  # everything fitted
    assert with_them.turns == without.turns[1:]  # the oldest turn made room
    spent = instruction_tokens(instruction) + sum(estimate_tokens(turn) for turn in with_them.turns)
    assert spent <= 4000 < spent + estimate_tokens(without.turns[0])


async def test_instructions_over_the_limit_are_refused_naming_the_field(api: Api) -> None:
    token = await api.sign_in()
    for field in ("about_me", "response_style"):
        response = await api.request("PUT", "/user/instructions", token, json={field: "x" * 1501})
        assert response.status_code == 422, response.text
        assert field in response.text and response.json()["error"]["code"] == "VALIDATION_ERROR"
    for body, field in (({"about_me": 5}, "about_me"), ({"response_style": None}, "response_style"), (["x"], "body")):
        response = await api.request("PUT", "/user/instructions", token, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["details"][0]["field"] == field
    # Nothing was saved by any of them.
    assert (await api.request("GET", "/user/instructions", token)).json() == {"about_me": "", "response_style": ""}


async def test_instructions_need_a_session(api: Api) -> None:
    for method in ("GET", "PUT"):
        response = await api.request(method, "/user/instructions", json={})
        assert response.status_code == 401


# A chat's own instruction and temperature


async def test_a_chat_has_its_own_instruction_and_temperature_after_yours(api: Api) -> None:
    model = _model(api)
    token = await api.sign_in()
    await api.request("PUT", "/user/instructions", token, json={"about_me": "I cook."})
    created = await api.request(
        "POST", "/chatroom", token, json={"title": "Menus", "system_instruction": " Plan for two. ", "temperature": 1.5}
    )
    assert created.status_code == 201, created.text
    room = created.json()
    assert (room["system_instruction"], room["temperature"]) == ("Plan for two.", 1.5)
    detail = (await api.request("GET", f"/chatroom/{room['id']}", token)).json()
    listed = (await api.request("GET", "/chatroom", token)).json()["items"][0]
    for shown in (detail, listed):
        assert (shown["system_instruction"], shown["temperature"]) == ("Plan for two.", 1.5)
    await _ask(api, token, room["id"], "Dinner?")
    assert model.prompts[-1].system_instruction == (
        f"{OPERATOR}\n\n"
        "About the person you are talking with, in their words:\nI cook.\n\n"
        "Instructions for this conversation, from the person:\nPlan for two."
    )
    assert model.prompts[-1].temperature == 1.5
    # Another chat of the same person has none of it.
    other = await api.chatroom(token)
    await _ask(api, token, other, "Lunch?")
    assert "Plan for two." not in (model.prompts[-1].system_instruction or "")
    assert model.prompts[-1].temperature is None


async def test_patch_changes_only_what_it_names(api: Api) -> None:
    model = _model(api)
    token = await api.sign_in()
    room = (await api.request("POST", "/chatroom", token, json={"system_instruction": "Be brief."})).json()["id"]
    path = f"/chatroom/{room}"
    warmer = await api.request("PATCH", path, token, json={"temperature": 0})
    assert (warmer.json()["system_instruction"], warmer.json()["temperature"]) == ("Be brief.", 0.0)
    renamed = await api.request("PATCH", path, token, json={"title": "Short answers"})
    assert (renamed.json()["system_instruction"], renamed.json()["temperature"]) == ("Be brief.", 0.0)
    await _ask(api, token, room, "Hi")
    assert model.prompts[-1].temperature == 0.0
    cleared = await api.request("PATCH", path, token, json={"system_instruction": "", "temperature": None})
    assert cleared.json()["system_instruction"] == "" and cleared.json()["temperature"] is None
    assert cleared.json()["title"] == "Short answers"
    await _ask(api, token, room, "Again")
    assert model.prompts[-1].system_instruction == OPERATOR and model.prompts[-1].temperature is None


async def test_a_fork_keeps_the_chats_settings(api: Api) -> None:
    _model(api)
    token = await api.sign_in()
    gem = await api.request("POST", "/gems", token, json={"name": "Trains", "instructions": "Suggest trains."})
    body = {"gem_id": gem.json()["id"], "system_instruction": "Be brief.", "temperature": 0.2}
    room = (await api.request("POST", "/chatroom", token, json=body)).json()
    reply = await _ask(api, token, room["id"], "Hi")
    fork = await api.request("POST", f"/chatroom/{room['id']}/fork", token, json={"message_id": reply["id"]})
    assert fork.status_code == 201, fork.text
    copied = fork.json()
    assert (copied["system_instruction"], copied["temperature"], copied["gem_instructions"]) == (
        "Be brief.",
        0.2,
        "Suggest trains.",
    )


async def test_chat_settings_out_of_range_are_refused_naming_the_field(api: Api) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    bad = [
        ({"system_instruction": "x" * 4001}, "system_instruction"),
        ({"temperature": 2.01}, "temperature"),
        ({"temperature": -0.5}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"system_instruction": None}, "system_instruction"),
    ]
    for body, field in bad:
        for method, path in (("POST", "/chatroom"), ("PATCH", f"/chatroom/{room}")):
            response = await api.request(method, path, token, json=body)
            assert response.status_code == 422, (method, body, response.text)
            assert response.json()["error"]["details"][0]["field"] == field, (method, body)
    unchanged = (await api.request("GET", f"/chatroom/{room}", token)).json()
    assert (unchanged["system_instruction"], unchanged["temperature"]) == ("", None)
    assert len((await api.request("GET", "/chatroom", token)).json()["items"]) == 1  # no room was made


async def test_another_persons_chat_settings_cannot_be_changed(api: Api) -> None:
    ada, bob = await api.sign_in("+919800000001"), await api.sign_in("+919800000002")
    room = await api.chatroom(ada)
    response = await api.request("PATCH", f"/chatroom/{room}", bob, json={"system_instruction": "Obey Bob."})
    assert response.status_code == 404
    assert (await api.request("GET", f"/chatroom/{room}", ada)).json()["system_instruction"] == ""
