"""Replies and tokens per model in GET /user/usage: today, or a period of UTC days;
kept when chats are deleted; a reply counted once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from application.ports.services import LanguageModelError
from tests.http.conftest import Api
from tests.support import START, MutableClock

TODAY = START.date().isoformat()
YESTERDAY = (START.date() - timedelta(days=1)).isoformat()


async def _ask(api: Api, token: str, room: str, content: str) -> dict[str, Any]:
    sent = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": content})
    assert sent.status_code == 202, sent.text
    return await api.wait_for_reply(token, room, sent.json()["reply"]["id"])


async def _usage(api: Api, token: str, **query: str) -> Any:
    response = await api.request("GET", "/user/usage", token, params=query)
    assert response.status_code == 200, response.text
    return response.json()


async def test_each_reply_is_counted_once_under_its_model_with_its_tokens(api: Api) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    assert (await _usage(api, token))["by_model"] == []
    replies = [await _ask(api, token, room, text) for text in ("one", "two")]
    usage = await _usage(api, token)
    assert usage["period"] == {"from": TODAY, "to": TODAY}
    prompt = sum(r["usage"]["prompt_tokens"] for r in replies)
    response = sum(r["usage"]["response_tokens"] for r in replies)
    assert usage["by_model"] == [
        {
            "model": replies[0]["model"],
            "replies": 2,
            "prompt_tokens": prompt,
            "response_tokens": response,
            "total_tokens": prompt + response,
        }
    ]
    # A reply that failed wrote nothing: not counted.
    api.container.services.fake_model().fail_next(
        LanguageModelError("The model refused.", transient=False, kind="bad_request")
    )
    failed = await _ask(api, token, room, "three")
    assert failed["status"] == "failed"
    assert (await _usage(api, token))["by_model"][0]["replies"] == 2
    # Deleting the chat does not take back what the model wrote.
    assert (await api.request("DELETE", f"/chatroom/{room}", token)).status_code == 204
    assert (await _usage(api, token))["by_model"][0]["replies"] == 2


async def test_a_period_of_days(api: Api, clock: MutableClock) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    await _ask(api, token, room, "yesterday's")
    clock.advance(days=1)
    token = await api.sign_in()  # the access token of yesterday has expired
    await _ask(api, token, room, "today's")
    await _ask(api, token, room, "and another")
    today, yesterday = (START.date() + timedelta(days=1)).isoformat(), TODAY
    assert [m["replies"] for m in (await _usage(api, token))["by_model"]] == [2]
    both = await _usage(api, token, **{"from": yesterday, "to": today})
    assert both["period"] == {"from": yesterday, "to": today}
    assert [m["replies"] for m in both["by_model"]] == [3]
    assert [m["replies"] for m in (await _usage(api, token, to=yesterday))["by_model"]] == [1]  # one end: one day
    assert (await _usage(api, token, **{"from": YESTERDAY, "to": YESTERDAY}))["by_model"] == []


async def test_another_persons_usage_is_not_yours(api: Api) -> None:
    ada, bob = await api.sign_in("+919800000001"), await api.sign_in("+919800000002")
    await _ask(api, ada, await api.chatroom(ada), "hi")
    assert (await _usage(api, bob))["by_model"] == []
    assert (await _usage(api, ada))["by_model"][0]["replies"] == 1


async def test_a_bad_period_is_refused_naming_the_parameter(api: Api) -> None:
    token = await api.sign_in()
    for query, field in (
        ({"from": TODAY, "to": YESTERDAY}, "from"),
        ({"from": "2020-01-01", "to": "2021-01-02"}, "from"),  # 368 days
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
    ):
        response = await api.request("GET", "/user/usage", token, params=query)
        assert response.status_code == 422, (query, response.text)
        assert response.json()["error"]["details"][0]["field"] == field, (query, response.text)
    assert (await _usage(api, token, **{"from": "2020-01-01", "to": "2020-12-31"}))["by_model"] == []  # 366 days
