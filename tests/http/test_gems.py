"""Gems: a person's saved assistants, and chats started from them."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.language_model import FakeLanguageModel
from tests.http.conftest import Api

TRAVEL = {
    "name": "  Travel   planner ",
    "description": "Plans trips by train",
    "instructions": "Suggest trains, never flights.",
    "temperature": 0.4,
}


async def _gem(api: Api, token: str, **body: Any) -> dict[str, Any]:
    created = await api.request("POST", "/gems", token, json={**TRAVEL, **body})
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_a_gem_is_saved_listed_edited_and_deleted(api: Api) -> None:
    token = await api.sign_in()
    gem = await _gem(api, token)
    assert {k: gem[k] for k in TRAVEL} == {**TRAVEL, "name": "Travel planner"}
    second = await _gem(api, token, name="Cook", instructions="", temperature=None)
    listed = (await api.request("GET", "/gems", token)).json()["items"]
    assert [g["id"] for g in listed] == [gem["id"], second["id"]]  # oldest first
    assert (await api.request("GET", f"/gems/{gem['id']}", token)).json() == gem
    edited = await api.request("PATCH", f"/gems/{gem['id']}", token, json={"temperature": None, "name": "Trains"})
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["temperature"]) == ("Trains", None)
    assert edited.json()["instructions"] == TRAVEL["instructions"]  # what was not sent stays
    assert (await api.request("DELETE", f"/gems/{gem['id']}", token)).status_code == 204
    assert (await api.request("GET", f"/gems/{gem['id']}", token)).status_code == 404
    assert [g["id"] for g in (await api.request("GET", "/gems", token)).json()["items"]] == [second["id"]]


async def test_a_chat_started_from_a_gem_keeps_its_settings_as_they_were(api: Api) -> None:
    model = FakeLanguageModel(chunks=1, chunk_delay=0)
    api.container.services.language_model.override(providers.Object(model))
    token = await api.sign_in()
    gem = await _gem(api, token)
    created = await api.request("POST", "/chatroom", token, json={"gem_id": gem["id"]})
    assert created.status_code == 201, created.text
    room = created.json()
    assert (room["gem_instructions"], room["system_instruction"], room["temperature"]) == (
        TRAVEL["instructions"],
        "",
        0.4,
    )
    # Editing or deleting the gem later does not rewrite the chat.
    await api.request("PATCH", f"/gems/{gem['id']}", token, json={"instructions": "Flights only.", "temperature": 2})
    sent = await api.request("POST", f"/chatroom/{room['id']}/message", token, json={"content": "Goa?"})
    await api.wait_for_reply(token, room["id"], sent.json()["reply"]["id"])
    assert model.prompts[-1].system_instruction == (
        "You are a helpful, concise assistant.\n\n"
        "The assistant they chose for this conversation, in their words:\nSuggest trains, never flights."
    )
    assert model.prompts[-1].temperature == 0.4
    await api.request("DELETE", f"/gems/{gem['id']}", token)
    kept = (await api.request("GET", f"/chatroom/{room['id']}", token)).json()
    assert (kept["gem_instructions"], kept["temperature"]) == (TRAVEL["instructions"], 0.4)


async def test_a_chat_with_a_gem_your_instructions_and_its_own_tells_the_model_all_in_order(api: Api) -> None:
    model = FakeLanguageModel(chunks=1, chunk_delay=0)
    api.container.services.language_model.override(providers.Object(model))
    token = await api.sign_in()
    await api.request(
        "PUT", "/user/instructions", token, json={"about_me": "I live in Pune.", "response_style": "Brief."}
    )
    gem = await _gem(api, token)
    body = {"gem_id": gem["id"], "system_instruction": "Budget under 5,000 rupees.", "temperature": None}
    room = (await api.request("POST", "/chatroom", token, json=body)).json()
    assert (room["gem_instructions"], room["system_instruction"], room["temperature"]) == (
        TRAVEL["instructions"],
        "Budget under 5,000 rupees.",
        None,  # given here, so not the gem's
    )
    sent = await api.request("POST", f"/chatroom/{room['id']}/message", token, json={"content": "Goa?"})
    await api.wait_for_reply(token, room["id"], sent.json()["reply"]["id"])
    assert model.prompts[-1].system_instruction == (
        "You are a helpful, concise assistant.\n\n"
        "About the person you are talking with, in their words:\nI live in Pune.\n\n"
        "How they want you to answer, in their words:\nBrief.\n\n"
        "The assistant they chose for this conversation, in their words:\nSuggest trains, never flights.\n\n"
        "Instructions for this conversation, from the person:\nBudget under 5,000 rupees."
    )
    assert model.prompts[-1].temperature is None


async def test_another_persons_gem_is_not_found(api: Api) -> None:
    ada, bob = await api.sign_in("+919800000001"), await api.sign_in("+919800000002")
    gem = await _gem(api, ada)
    for method, path, body in (
        ("GET", f"/gems/{gem['id']}", None),
        ("PATCH", f"/gems/{gem['id']}", {"name": "Bob's now"}),
        ("DELETE", f"/gems/{gem['id']}", None),
        ("POST", "/chatroom", {"gem_id": gem["id"]}),
    ):
        response = await api.request(method, path, bob, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "NOT_FOUND"
    assert (await api.request("GET", "/gems", bob)).json() == {"items": []}
    assert (await api.request("GET", "/chatroom", bob)).json()["items"] == []  # no chat was made
    assert (await api.request("GET", f"/gems/{gem['id']}", ada)).json()["name"] == "Travel planner"


async def test_bad_gems_are_refused_naming_the_field(api: Api) -> None:
    token = await api.sign_in()
    bad = [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"description": "d" * 501}, "description"),
        ({"instructions": "i" * 4001}, "instructions"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": "warm"}, "temperature"),
    ]
    for body, field in bad:
        response = await api.request("POST", "/gems", token, json={**TRAVEL, **body})
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["details"][0]["field"] == field, body
    missing = await api.request("POST", "/gems", token, json={"instructions": "no name"})
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "name"
    gem = await _gem(api, token)
    for body, field in bad:
        response = await api.request("PATCH", f"/gems/{gem['id']}", token, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["details"][0]["field"] == field, body
    assert (await api.request("GET", "/gems", token)).json()["items"] == [gem]  # nothing changed


async def test_fifty_gems_at_most(api: Api) -> None:
    token = await api.sign_in()
    for n in range(50):
        await _gem(api, token, name=f"Gem {n}")
    over = await api.request("POST", "/gems", token, json={**TRAVEL, "name": "One more"})
    assert over.status_code == 409 and "50" in over.json()["error"]["message"]
    first = (await api.request("GET", "/gems", token)).json()["items"][0]
    await api.request("DELETE", f"/gems/{first['id']}", token)
    assert (await api.request("POST", "/gems", token, json={**TRAVEL, "name": "One more"})).status_code == 201


async def test_a_chat_from_a_gem_that_does_not_exist_is_not_made(api: Api) -> None:
    token = await api.sign_in()
    response = await api.request("POST", "/chatroom", token, json={"gem_id": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 404
    not_an_id = await api.request("POST", "/chatroom", token, json={"gem_id": "travel"})
    assert not_an_id.status_code == 422
    assert (await api.request("GET", "/chatroom", token)).json()["items"] == []
