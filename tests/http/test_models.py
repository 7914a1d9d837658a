"""Models: the catalogue, choosing one per chat and per gem, and the plan gate (the fake
offers fake-flash on Basic and fake-pro on Pro)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.memory.language_model import FakeLanguageModel
from domain.subscriptions import SubscriptionStatus
from tests.http.conftest import Api

BASIC, PRO = "fake-flash", "fake-pro"


async def _go_pro(api: Api, token: str) -> str:
    """Pays the fake checkout (its events go through the signed webhook); the subscription's id."""
    checkout = (await api.request("POST", "/subscribe/pro", token)).json()
    session = checkout["checkout_url"].rsplit("/", 1)[1]
    assert (await api.request("GET", f"/dev/fake-checkout/{session}")).status_code == 200
    return str(api.container.services.fake_payments().subscriptions_of_checkout(session))


async def _cancel(api: Api, subscription_id: str) -> None:
    signed = api.container.services.fake_payments().change_subscription(
        subscription_id, status=SubscriptionStatus.CANCELED
    )
    delivered = await api.request(
        "POST", "/webhook/stripe", content=signed.payload, headers={"Stripe-Signature": signed.signature}
    )
    assert delivered.status_code == 200, delivered.text


async def _answered_by(api: Api, token: str, room: str) -> str:
    sent = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "Which model?"})
    assert sent.status_code == 202, sent.text
    reply = await api.wait_for_reply(token, room, sent.json()["reply"]["id"])
    assert reply["status"] == "completed", reply
    return str(reply["model"])


async def test_the_catalogue_says_what_each_plan_has_and_its_default(api: Api) -> None:
    token = await api.sign_in()
    listed = (await api.request("GET", "/models", token)).json()
    assert (listed["plan"], listed["default_model"]) == ("basic", BASIC)
    by_id = {m["id"]: m for m in listed["items"]}
    assert [m["id"] for m in listed["items"]] == [BASIC, PRO]
    assert by_id[BASIC] == {
        "id": BASIC,
        "display_name": "Fake Flash",
        "provider": "fake",
        "plan": "basic",
        "available": True,
        "default": True,
        "context_window": 32_768,  # the fake's, as for every provider without context=N
        "output_limit": 2048,
        "attachments": True,
    }
    assert (by_id[PRO]["plan"], by_id[PRO]["available"], by_id[PRO]["default"]) == ("pro", False, False)
    await _go_pro(api, token)
    listed = (await api.request("GET", "/models", token)).json()
    assert (listed["plan"], listed["default_model"]) == ("pro", PRO)
    assert all(m["available"] for m in listed["items"])
    assert (await api.request("GET", "/models")).status_code == 401


async def test_a_model_outside_the_plan_is_refused_naming_the_plan_and_nothing_changes(api: Api) -> None:
    token = await api.sign_in()
    refused = await api.request("POST", "/chatroom", token, json={"title": "Deep", "model": PRO})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "MODEL_NOT_IN_PLAN" and "Pro plan" in error["message"]
    assert error["details"] == [{"field": "model", "message": "needs the pro plan", "plan": "pro"}]
    assert (await api.request("GET", "/chatroom", token)).json()["items"] == []
    room = await api.chatroom(token)
    patched = await api.request("PATCH", f"/chatroom/{room}", token, json={"model": PRO, "temperature": 1.5})
    assert patched.status_code == 403
    # Refused as a whole: the temperature sent with it did not change either.
    assert (await api.request("GET", f"/chatroom/{room}", token)).json()["temperature"] is None


@pytest.mark.parametrize("model_id", ["gpt-9", "", "x" * 129, 7, "fake-flash ", "FAKE-FLASH", "fake-flash\x00"])
async def test_an_unknown_or_malformed_model_id_is_a_422_naming_the_field(api: Api, model_id: Any) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    for method, path in (("POST", "/chatroom"), ("PATCH", f"/chatroom/{room}"), ("POST", "/gems")):
        body = {"model": model_id} | ({"name": "G"} if path == "/gems" else {})
        response = await api.request(method, path, token, json=body)
        assert response.status_code == 422, response.text
        assert "model" in response.json()["error"]["message"]


async def test_each_reply_records_the_effective_model_which_follows_the_plan_both_ways(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in()
    default_room = await api.chatroom(token)
    created = (await api.request("POST", "/chatroom", token, json={"model": BASIC})).json()
    assert (created["model"], created["effective_model"], created["model_notice"]) == (BASIC, BASIC, None)
    assert await _answered_by(api, token, default_room) == BASIC
    assert model.prompts[-1].model is not None and model.prompts[-1].model.id == BASIC

    subscription = await _go_pro(api, token)
    chosen = await api.request("PATCH", f"/chatroom/{created['id']}", token, json={"model": PRO})
    assert chosen.status_code == 200 and chosen.json()["effective_model"] == PRO
    assert await _answered_by(api, token, created["id"]) == PRO
    # A chat that named no model follows the plan's default.
    assert await _answered_by(api, token, default_room) == PRO

    await _cancel(api, subscription)
    room = (await api.request("GET", f"/chatroom/{created['id']}", token)).json()
    assert (room["model"], room["effective_model"]) == (PRO, BASIC)
    assert room["model_notice"] == f"{PRO} needs the Pro plan; {BASIC} answers this chat until then."
    assert await _answered_by(api, token, created["id"]) == BASIC
    listed = (await api.request("GET", "/chatroom", token)).json()["items"]
    assert {r["id"]: r["effective_model"] for r in listed} == {created["id"]: BASIC, default_room: BASIC}

    await _go_pro(api, token)
    room = (await api.request("GET", f"/chatroom/{created['id']}", token)).json()
    assert (room["model"], room["effective_model"], room["model_notice"]) == (PRO, PRO, None)
    assert await _answered_by(api, token, created["id"]) == PRO
    usage = (await api.request("GET", "/user/usage", token)).json()["by_model"]
    assert {m["model"]: m["replies"] for m in usage} == {BASIC: 2, PRO: 3}
    # Back to the plan's default.
    reset = await api.request("PATCH", f"/chatroom/{created['id']}", token, json={"model": None})
    assert (reset.json()["model"], reset.json()["effective_model"]) == (None, PRO)


async def test_titles_are_written_by_the_lowest_plans_default(api: Api, model: FakeLanguageModel) -> None:
    token = await api.sign_in()
    await _go_pro(api, token)
    room = await api.chatroom(token)
    assert await _answered_by(api, token, room) == PRO
    assert [offer.id if offer else None for offer in model.titles_by] == [BASIC]


async def test_a_gem_names_a_model_of_its_owners_plan_and_its_chats_start_with_it(
    api: Api, model: FakeLanguageModel
) -> None:
    token = await api.sign_in()
    refused = await api.request("POST", "/gems", token, json={"name": "Deep thinker", "model": PRO})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "MODEL_NOT_IN_PLAN"
    assert (await api.request("GET", "/gems", token)).json()["items"] == []
    gem = (await api.request("POST", "/gems", token, json={"name": "Quick", "model": BASIC})).json()
    assert gem["model"] == BASIC
    assert (await api.request("PATCH", f"/gems/{gem['id']}", token, json={"model": PRO})).status_code == 403
    assert (await api.request("GET", f"/gems/{gem['id']}", token)).json()["model"] == BASIC

    await _go_pro(api, token)
    edited = await api.request("PATCH", f"/gems/{gem['id']}", token, json={"model": PRO})
    assert edited.status_code == 200 and edited.json()["model"] == PRO
    room = (await api.request("POST", "/chatroom", token, json={"gem_id": gem["id"]})).json()
    assert (room["model"], room["effective_model"]) == (PRO, PRO)
    assert await _answered_by(api, token, room["id"]) == PRO
    # A model given with the gem wins over the gem's.
    own = (await api.request("POST", "/chatroom", token, json={"gem_id": gem["id"], "model": BASIC})).json()
    assert own["model"] == BASIC
    # A copy keeps the chat's choice.
    reply = (await api.request("GET", f"/chatroom/{room['id']}", token)).json()["messages"][-1]
    fork = await api.request("POST", f"/chatroom/{room['id']}/fork", token, json={"message_id": reply["id"]})
    assert fork.status_code == 201 and fork.json()["model"] == PRO


async def test_another_persons_gem_cannot_lend_its_model(api: Api) -> None:
    owner = await api.sign_in("+919800000001")
    await _go_pro(api, owner)
    gem = (await api.request("POST", "/gems", owner, json={"name": "Pro gem", "model": PRO})).json()
    stranger = await api.sign_in("+919800000002")
    response = await api.request("POST", "/chatroom", stranger, json={"gem_id": gem["id"]})
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
