"""Stop, regenerate, edit, branch, continue: the conversation as a tree, over HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from dependency_injector import providers

from adapters.memory.language_model import FakeLanguageModel
from application.use_cases.generate_reply import CONTINUE_INSTRUCTION, GenerateReplyCommand
from domain.chat import MessageRole
from tests.http.conftest import Api
from tests.support import ManualJobQueue

OTHER = "+919800000002"


def _slow_model(api: Api, **timing: Any) -> FakeLanguageModel:
    model = FakeLanguageModel(**({"chunks": 20, "chunk_delay": 0.1, "first_chunk_delay": 0.0} | timing))
    api.container.services.language_model.override(providers.Object(model))
    return model


def _model(api: Api) -> FakeLanguageModel:
    model = FakeLanguageModel(chunks=2, chunk_delay=0)
    api.container.services.language_model.override(providers.Object(model))
    return model


async def _send(api: Api, token: str, room: str, content: str, **extra: Any) -> dict[str, Any]:
    response = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": content} | extra)
    assert response.status_code == 202, response.text
    return dict(response.json())


async def _exchange(
    api: Api, token: str, room: str, content: str, **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    sent = await _send(api, token, room, content, **extra)
    return sent["message"], await api.wait_for_reply(token, room, sent["reply"]["id"])


async def _until_status(api: Api, token: str, room: str, reply_id: str, status: str) -> None:
    for _ in range(500):
        message = (await api.request("GET", f"/chatroom/{room}/messages/{reply_id}", token)).json()
        if message["status"] == status:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"reply {reply_id} never reached {status}")


async def _events(
    api: Api, token: str, room: str, reply_id: str, last_event_id: str | None = None
) -> list[dict[str, str]]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    response = await api.request("GET", f"/chatroom/{room}/messages/{reply_id}/stream", token, headers=headers)
    events: list[dict[str, str]] = []
    for block in response.text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            events.append(fields)
    return events


async def _used_today(api: Api, token: str) -> int:
    return int((await api.request("GET", "/user/usage", token)).json()["used_today"])


async def _branch(api: Api, token: str, room: str, **params: str) -> list[dict[str, Any]]:
    page = await api.request("GET", f"/chatroom/{room}/messages", token, params=params)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


# Stop


async def test_a_reply_stopped_mid_way_keeps_its_text_counts_and_every_stream_ends_cancelled(api: Api) -> None:
    model = _slow_model(api)
    token = await api.sign_in()
    room = await api.chatroom(token, "stop me")
    sent = await _send(api, token, room, "write a long answer")
    reply_id = sent["reply"]["id"]
    await _until_status(api, token, room, reply_id, "streaming")
    await asyncio.sleep(0.35)  # a few chunks are out
    stopped = await api.request("POST", f"/chatroom/{room}/messages/{reply_id}/cancel", token)
    assert stopped.status_code == 202, stopped.text
    final = await api.wait_for_reply(token, room, reply_id)
    assert (final["status"], final["finish_reason"]) == ("cancelled", "cancelled")
    full_answer = model.reply_to([])  # the same length as the answer it was writing
    assert 0 < len(final["content"]) < len(full_answer)

    events = await _events(api, token, room, reply_id)
    chunks = [json.loads(e["data"])["text"] for e in events if e["event"] == "chunk"]
    assert events[-1]["event"] == "cancelled" and "".join(chunks) == final["content"]
    assert json.loads(events[-1]["data"])["status"] == "cancelled"
    # A client that reconnects from its last chunk gets the same end, and nothing twice.
    resumed = await _events(api, token, room, reply_id, last_event_id=events[-2]["id"])
    assert [e["event"] for e in resumed] == ["cancelled"]

    # Text was shown: the message counts. Asking again changes nothing.
    assert await _used_today(api, token) == 1
    again = await api.request("POST", f"/chatroom/{room}/messages/{reply_id}/cancel", token)
    assert again.status_code == 202 and again.json()["reply"]["content"] == final["content"]
    assert await _used_today(api, token) == 1
    # And the model's words are in the usage by model, once.
    by_model = (await api.request("GET", "/user/usage", token)).json()["by_model"]
    assert [(m["model"], m["replies"]) for m in by_model] == [("fake-flash", 1)]


async def test_a_reply_stopped_before_its_first_word_gives_the_message_back_once(api: Api) -> None:
    _slow_model(api, first_chunk_delay=30.0)
    token = await api.sign_in()
    room = await api.chatroom(token)
    sent = await _send(api, token, room, "never mind")
    reply_id = sent["reply"]["id"]
    await _until_status(api, token, room, reply_id, "streaming")
    assert await _used_today(api, token) == 1
    for _ in range(3):
        assert (await api.request("POST", f"/chatroom/{room}/messages/{reply_id}/cancel", token)).status_code == 202
    final = await api.wait_for_reply(token, room, reply_id)
    assert (final["status"], final["content"]) == ("cancelled", "")
    for _ in range(3):
        await api.request("POST", f"/chatroom/{room}/messages/{reply_id}/cancel", token)
    assert await _used_today(api, token) == 0
    assert (await api.request("GET", "/user/usage", token)).json()["by_model"] == []  # it wrote nothing


async def test_a_queued_reply_is_stopped_at_once_and_no_worker_writes_it_later(
    api: Api, manual_queue: ManualJobQueue
) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    sent = await _send(api, token, room, "queued")
    reply_id = sent["reply"]["id"]
    stopped = await api.request("POST", f"/chatroom/{room}/messages/{reply_id}/cancel", token)
    assert stopped.status_code == 202 and stopped.json()["reply"]["status"] == "cancelled"
    assert await _used_today(api, token) == 0
    [job] = manual_queue.jobs
    await api.container.generate_reply().execute(GenerateReplyCommand(reply_id=job.reply_id))
    final = (await api.request("GET", f"/chatroom/{room}/messages/{reply_id}", token)).json()
    assert (final["status"], final["content"]) == ("cancelled", "")
    assert await _used_today(api, token) == 0
    assert [e["event"] for e in await _events(api, token, room, reply_id)] == ["cancelled"]


async def test_only_a_reply_still_being_written_can_be_stopped(api: Api) -> None:
    _model(api)
    token = await api.sign_in()
    intruder = await api.sign_in(OTHER)
    room = await api.chatroom(token)
    question, reply = await _exchange(api, token, room, "done already")
    finished = await api.request("POST", f"/chatroom/{room}/messages/{reply['id']}/cancel", token)
    assert finished.status_code == 409 and "already finished" in finished.json()["error"]["message"]
    mine = await api.request("POST", f"/chatroom/{room}/messages/{question['id']}/cancel", token)
    assert mine.status_code == 409 and "Only a reply" in mine.json()["error"]["message"]
    for path in ("cancel", "regenerate", "continue"):
        stranger = await api.request("POST", f"/chatroom/{room}/messages/{reply['id']}/{path}", intruder)
        assert stranger.status_code == 404, path
        elsewhere = await api.chatroom(intruder)
        moved = await api.request("POST", f"/chatroom/{elsewhere}/messages/{reply['id']}/{path}", intruder)
        assert moved.status_code == 404, path


# Regenerate


async def test_regenerate_writes_a_new_version_from_the_same_branch_and_counts(api: Api) -> None:
    model = _model(api)
    token = await api.sign_in()
    room = await api.chatroom(token)
    _, alpha_reply = await _exchange(api, token, room, "alpha")
    question, first = await _exchange(api, token, room, "beta")
    headers = {"Idempotency-Key": "regen-1"}
    response = await api.request("POST", f"/chatroom/{room}/messages/{first['id']}/regenerate", token, headers=headers)
    assert response.status_code == 202, response.text
    retried = await api.request("POST", f"/chatroom/{room}/messages/{first['id']}/regenerate", token, headers=headers)
    assert retried.json()["reply"]["id"] == response.json()["reply"]["id"]
    second = await api.wait_for_reply(token, room, response.json()["reply"]["id"])
    assert second["parent_id"] == question["id"] == first["parent_id"]
    assert (second["sibling_index"], second["sibling_count"], second["previous_sibling_id"]) == (1, 2, first["id"])
    # The model saw the branch up to the question, and not the first answer.
    assert [t.text for t in model.calls[-1]] == ["alpha", alpha_reply["content"], "beta"]
    assert await _used_today(api, token) == 3
    shown = await _branch(api, token, room)
    assert [m["id"] for m in shown][-1] == second["id"]
    assert shown[-1]["sibling_count"] == 2 and shown[-1]["next_sibling_id"] is None


async def test_a_reply_being_written_or_a_user_message_cannot_be_regenerated(
    api: Api, manual_queue: ManualJobQueue
) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token)
    sent = await _send(api, token, room, "pending")
    pending = await api.request("POST", f"/chatroom/{room}/messages/{sent['reply']['id']}/regenerate", token)
    assert pending.status_code == 409 and "still being written" in pending.json()["error"]["message"]
    asked = await api.request("POST", f"/chatroom/{room}/messages/{sent['message']['id']}/regenerate", token)
    assert asked.status_code == 409
    assert await _used_today(api, token) == 1


# Edit and branches


async def test_an_edit_starts_a_branch_the_model_sees_alone_and_the_client_can_switch_back(api: Api) -> None:
    model = _model(api)
    token = await api.sign_in()
    room = await api.chatroom(token)
    alpha, alpha_reply = await _exchange(api, token, room, "alpha")
    beta, beta_reply = await _exchange(api, token, room, "beta")
    gamma, gamma_reply = await _exchange(api, token, room, "gamma", parent_id=alpha_reply["id"])
    assert [t.text for t in model.calls[-1]] == ["alpha", alpha_reply["content"], "gamma"]
    assert "beta" not in json.dumps([t.text for t in model.calls[-1]])

    shown = await _branch(api, token, room)
    assert [m["id"] for m in shown] == [alpha["id"], alpha_reply["id"], gamma["id"], gamma_reply["id"]]
    edited = shown[2]
    assert (edited["sibling_index"], edited["sibling_count"], edited["previous_sibling_id"]) == (1, 2, beta["id"])
    other = await _branch(api, token, room, leaf=beta_reply["id"])
    assert [m["content"] for m in other if m["role"] == "user"] == ["alpha", "beta"]

    # "‹ 1 / 2": one request switches to the other version and its latest thread.
    switched = await api.request("PATCH", f"/chatroom/{room}", token, json={"active_leaf_id": beta["id"]})
    assert switched.status_code == 200 and switched.json()["active_leaf_id"] == beta_reply["id"]
    detail = (await api.request("GET", f"/chatroom/{room}", token)).json()
    assert [m["content"] for m in detail["messages"] if m["role"] == "user"] == ["alpha", "beta"]
    # A send without parent_id continues the branch shown.
    delta, _ = await _exchange(api, token, room, "delta")
    assert delta["parent_id"] == beta_reply["id"]
    assert [t.text for t in model.calls[-1]][-3:] == ["beta", beta_reply["content"], "delta"]

    # parent_id null: a new version of the first message, with a conversation of its own.
    restart, _ = await _exchange(api, token, room, "alpha, again", parent_id=None)
    assert (restart["parent_id"], restart["sibling_count"], restart["sibling_index"]) == (None, 2, 1)
    assert [t.text for t in model.calls[-1]] == ["alpha, again"]


async def test_an_edit_must_follow_a_reply_of_the_same_chatroom(api: Api) -> None:
    _model(api)
    token = await api.sign_in()
    room = await api.chatroom(token)
    other_room = await api.chatroom(token)
    question, _ = await _exchange(api, token, room, "here")
    _, elsewhere = await _exchange(api, token, other_room, "there")
    stranger = await api.sign_in(OTHER)
    strangers_room = await api.chatroom(stranger)
    _, strangers_reply = await _exchange(api, stranger, strangers_room, "theirs")
    for parent in (question["id"], elsewhere["id"], strangers_reply["id"], "00000000-0000-7000-8000-000000000000"):
        refused = await api.request(
            "POST", f"/chatroom/{room}/message", token, json={"content": "x", "parent_id": parent}
        )
        assert refused.status_code == 422, parent
        assert refused.json()["error"]["details"][0]["field"] == "parent_id"
    malformed = await api.request("POST", f"/chatroom/{room}/message", token, json={"content": "x", "parent_id": "1"})
    assert malformed.status_code == 422
    for leaf in (elsewhere["id"], strangers_reply["id"]):
        switch = await api.request("PATCH", f"/chatroom/{room}", token, json={"active_leaf_id": leaf})
        assert switch.status_code == 422
        page = await api.request("GET", f"/chatroom/{room}/messages", token, params={"leaf": leaf})
        assert page.status_code == 404
    assert (await api.request("PATCH", f"/chatroom/{room}", token, json={})).status_code == 422
    assert await _used_today(api, token) == 2


# Continue


async def test_a_reply_cut_off_at_the_output_limit_goes_on_in_a_reply_after_it(api: Api) -> None:
    model = _model(api)
    token = await api.sign_in()
    room = await api.chatroom(token)
    _, cut = await _exchange(api, token, room, "a long story [[length]]")
    assert cut["finish_reason"] == "length"
    response = await api.request("POST", f"/chatroom/{room}/messages/{cut['id']}/continue", token)
    assert response.status_code == 202, response.text
    rest = await api.wait_for_reply(token, room, response.json()["reply"]["id"])
    assert rest["parent_id"] == cut["id"] and rest["finish_reason"] == "stop"
    turns = model.calls[-1]
    assert [(t.role, t.text) for t in turns[-2:]] == [
        (MessageRole.MODEL, cut["content"]),
        (MessageRole.USER, CONTINUE_INSTRUCTION),
    ]
    shown = await _branch(api, token, room)
    assert [m["id"] for m in shown][-2:] == [cut["id"], rest["id"]]
    refused = await api.request("POST", f"/chatroom/{room}/messages/{rest['id']}/continue", token)
    assert refused.status_code == 409 and "finish_reason length" in refused.json()["error"]["message"]
    assert await _used_today(api, token) == 2


# Fork and feedback


async def test_a_fork_copies_one_branch_into_a_room_of_its_own(api: Api, manual_queue: ManualJobQueue) -> None:
    token = await api.sign_in()
    room = await api.chatroom(token, "Trip")
    alpha = await _send(api, token, room, "alpha")
    for job in list(manual_queue.jobs):
        await api.container.generate_reply().execute(GenerateReplyCommand(reply_id=job.reply_id))
    manual_queue.jobs.clear()
    beta = await _send(api, token, room, "beta")  # its reply is never written
    await _send(api, token, room, "beta, edited", parent_id=alpha["reply"]["id"])

    forked = await api.request("POST", f"/chatroom/{room}/fork", token, json={"message_id": beta["reply"]["id"]})
    assert forked.status_code == 201, forked.text
    copy = forked.json()
    assert copy["title"] == "Trip (copy)" and copy["id"] != room
    copied = await _branch(api, token, copy["id"])
    assert [m["content"] for m in copied if m["role"] == "user"] == ["alpha", "beta"]
    assert copy["active_leaf_id"] == copied[-1]["id"]
    assert not {m["id"] for m in copied} & {alpha["message"]["id"], alpha["reply"]["id"], beta["reply"]["id"]}
    assert [m["parent_id"] for m in copied[1:]] == [m["id"] for m in copied[:-1]]
    # The copy of a reply nobody finished is finished, as it stands: no worker writes it.
    assert (copied[-1]["status"], copied[-1]["finish_reason"]) == ("cancelled", "cancelled")
    assert all(m["sibling_count"] == 1 for m in copied)  # the edit stayed behind

    # The rooms share nothing: a change to one leaves the other alone.
    await api.request("PATCH", f"/chatroom/{copy['id']}", token, json={"title": "Mine"})
    await _send(api, token, copy["id"], "gamma", parent_id=copied[1]["id"])
    original = await _branch(api, token, room)
    assert [m["content"] for m in original if m["role"] == "user"] == ["alpha", "beta, edited"]
    assert (await api.request("GET", f"/chatroom/{room}", token)).json()["title"] == "Trip"
    assert (await api.request("DELETE", f"/chatroom/{room}", token)).status_code == 204
    assert len(await _branch(api, token, copy["id"])) == 4

    stranger = await api.sign_in(OTHER)
    theirs = await api.request("POST", f"/chatroom/{copy['id']}/fork", stranger, json={"message_id": copied[0]["id"]})
    assert theirs.status_code == 404
    foreign = await api.request(
        "POST", f"/chatroom/{copy['id']}/fork", token, json={"message_id": beta["message"]["id"]}
    )
    assert foreign.status_code == 422 and foreign.json()["error"]["details"][0]["field"] == "message_id"
    question = await api.request("POST", f"/chatroom/{copy['id']}/fork", token, json={"message_id": copied[2]["id"]})
    assert question.status_code == 422 and "must be a reply" in question.json()["error"]["message"]


async def test_feedback_is_kept_on_the_reply_replaced_by_a_later_rating_and_counted_by_model(api: Api) -> None:
    _model(api)
    token = await api.sign_in()
    room = await api.chatroom(token)
    question, reply = await _exchange(api, token, room, "rate me")
    assert reply["model"] == "fake-flash" and reply["feedback"] is None
    path = f"/chatroom/{room}/messages/{reply['id']}/feedback"
    first = await api.request("PUT", path, token, json={"rating": "down", "comment": "  too short  "})
    assert first.status_code == 200 and first.json()["feedback"] == {"rating": "down", "comment": "too short"}
    second = await api.request("PUT", path, token, json={"rating": "up"})
    assert second.json()["feedback"] == {"rating": "up", "comment": None}
    shown = await _branch(api, token, room)
    assert shown[-1]["feedback"] == {"rating": "up", "comment": None}
    metrics = (await api.request("GET", "/metrics")).text
    assert 'reply_feedback_total{model="fake-flash",rating="down"} 1.0' in metrics
    assert 'reply_feedback_total{model="fake-flash",rating="up"} 1.0' in metrics

    for body, status in (
        ({"rating": "meh"}, 422),
        ({"comment": "no rating"}, 422),
        ({"rating": "up", "comment": "x" * 2001}, 422),
        ({"rating": "up", "comment": 7}, 422),
    ):
        assert (await api.request("PUT", path, token, json=body)).status_code == status, body
    mine = await api.request(
        "PUT", f"/chatroom/{room}/messages/{question['id']}/feedback", token, json={"rating": "up"}
    )
    assert mine.status_code == 409
    stranger = await api.sign_in(OTHER)
    assert (await api.request("PUT", path, stranger, json={"rating": "down"})).status_code == 404
    assert (await api.request("GET", f"/chatroom/{room}/messages/{reply['id']}", token)).json()["feedback"][
        "rating"
    ] == "up"
