"""Stop, regenerate and edit on the real stack: API processes and a worker on PostgreSQL
and Redis, the real Gemini adapter talking to the wire-level fake, slowed down."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from tests.e2e.conftest import Client, Service
from tests.e2e.test_service import _sse
from tests.fakes.background import BackgroundServer


def _streams(fake: BackgroundServer) -> dict[str, int]:
    return dict(httpx.get(f"{fake.url}/_streams").json())


def _until(condition: Any, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _asked(fake: BackgroundServer) -> list[list[str]]:
    """The conversation the model was sent, per streamed request, oldest first."""
    return [
        [content["parts"][0]["text"] for content in r["body"]["contents"]]
        for r in httpx.get(f"{fake.url}/_requests").json()
        if "streamGenerate" in r["path"]
    ]


def test_a_reply_stopped_through_one_api_process_ends_cancelled_on_a_stream_through_another(
    gemini_service: Service, fake_gemini: BackgroundServer
) -> None:
    other_url = gemini_service.start_api()
    client = Client(gemini_service.url)
    other = httpx.Client(
        base_url=other_url, timeout=20, headers={"Authorization": client.http.headers["Authorization"]}
    )
    room = client.http.post("/chatroom", json={"title": "stop"}).json()["id"]
    reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "a long story [[pace:1]]"}).json()[
        "reply"
    ]["id"]
    url = f"/chatroom/{room}/messages/{reply_id}/stream"
    lines: list[str] = []
    first_chunk = threading.Event()

    def read_through_the_other_process() -> None:
        with other.stream("GET", url) as stream:
            for line in stream.iter_lines():
                lines.append(line)
                if line == "event: chunk":
                    first_chunk.set()

    reader = threading.Thread(target=read_through_the_other_process, daemon=True)
    reader.start()
    assert first_chunk.wait(15), "no chunk arrived"
    stopped = client.http.post(f"/chatroom/{room}/messages/{reply_id}/cancel")
    assert stopped.status_code == 202, stopped.text
    reader.join(20)
    assert not reader.is_alive(), "the stream through the other process did not end"

    events = _sse(lines)
    chunks = [json.loads(e["data"])["text"] for e in events if e.get("event") == "chunk"]
    assert events[-1]["event"] == "cancelled"
    final = json.loads(events[-1]["data"])
    assert (final["status"], final["finish_reason"]) == ("cancelled", "cancelled")
    assert final["content"] == "".join(chunks) and final["content"]
    # Stopped within a chunk: the fake writes "Echo: a long story" in three, a second apart.
    assert "Echo: a long story".startswith(final["content"]) and len(final["content"]) < len("Echo: a long story")
    # The worker closed the model's stream: the provider stops writing (and billing).
    _until(lambda: _streams(fake_gemini).get("closed_early") == 1, "the model's stream was not closed")
    assert _streams(fake_gemini).get("finished", 0) == 0
    assert client.http.get(f"/chatroom/{room}/messages/{reply_id}").json()["status"] == "cancelled"
    # Reconnecting later, anywhere, gives the same end.
    with other.stream("GET", url, headers={"Last-Event-ID": events[-2]["id"]}) as stream:
        resumed = _sse(list(stream.iter_lines()))
    assert [e["event"] for e in resumed] == ["cancelled"]
    assert client.http.get("/user/usage").json()["used_today"] == 1


def test_a_reply_stopped_before_its_first_word_gives_the_message_back_exactly_once(
    gemini_service: Service, fake_gemini: BackgroundServer
) -> None:
    client = Client(gemini_service.url)
    room = client.http.post("/chatroom", json={"title": "refund"}).json()["id"]
    reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "slow [[slow:3]]"}).json()["reply"]["id"]
    message_url = f"/chatroom/{room}/messages/{reply_id}"
    _until(lambda: client.http.get(message_url).json()["status"] == "streaming", "the worker never started")
    assert client.http.get("/user/usage").json()["used_today"] == 1
    for _ in range(3):
        assert client.http.post(f"{message_url}/cancel").status_code == 202
    final = client.wait_for_reply(room, reply_id)
    assert (final["status"], final["content"]) == ("cancelled", "")
    for _ in range(3):
        assert client.http.post(f"{message_url}/cancel").status_code == 202
    assert client.http.get("/user/usage").json()["used_today"] == 0
    _until(lambda: _streams(fake_gemini).get("closed_early") == 1, "the model's stream was not closed")


def test_regenerated_and_edited_replies_send_the_model_only_their_own_branch(
    gemini_service: Service, fake_gemini: BackgroundServer
) -> None:
    client = Client(gemini_service.url)
    room = client.http.post("/chatroom", json={"title": "branches"}).json()["id"]

    def send(content: str, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        sent = client.http.post(f"/chatroom/{room}/message", json={"content": content} | extra)
        assert sent.status_code == 202, sent.text
        return sent.json()["message"], client.wait_for_reply(room, sent.json()["reply"]["id"])

    _, alpha_reply = send("alpha")
    beta, beta_reply = send("beta")
    regenerated = client.http.post(f"/chatroom/{room}/messages/{beta_reply['id']}/regenerate")
    assert regenerated.status_code == 202, regenerated.text
    again = client.wait_for_reply(room, regenerated.json()["reply"]["id"])
    gamma, gamma_reply = send("gamma", parent_id=alpha_reply["id"])
    assert _asked(fake_gemini) == [
        ["alpha"],
        ["alpha", "Echo: alpha", "beta"],
        ["alpha", "Echo: alpha", "beta"],  # the regenerated reply: not the first answer
        ["alpha", "Echo: alpha", "gamma"],  # the edit: nothing of beta's branch
    ]
    assert (again["parent_id"], again["sibling_index"], again["sibling_count"]) == (beta["id"], 1, 2)
    assert (gamma["parent_id"], gamma["sibling_count"], gamma["previous_sibling_id"]) == (
        alpha_reply["id"],
        2,
        beta["id"],
    )
    shown = client.http.get(f"/chatroom/{room}/messages").json()["items"]
    assert [m["id"] for m in shown][-2:] == [gamma["id"], gamma_reply["id"]]
    switched = client.http.patch(f"/chatroom/{room}", json={"active_leaf_id": beta["id"]})
    assert switched.json()["active_leaf_id"] == again["id"]


def test_a_worker_killed_mid_reply_on_a_branch_completes_it_once_on_that_branch(service: Service) -> None:
    client = Client(service.url)
    room = client.http.post("/chatroom", json={"title": "crash on a branch"}).json()["id"]

    def send(content: str, **extra: Any) -> str:
        sent = client.http.post(f"/chatroom/{room}/message", json={"content": content} | extra)
        assert sent.status_code == 202, sent.text
        return str(sent.json()["reply"]["id"])

    alpha_reply = client.wait_for_reply(room, send("alpha"))
    client.wait_for_reply(room, send("beta"))
    reply_id = send("gamma", parent_id=alpha_reply["id"])
    message_url = f"/chatroom/{room}/messages/{reply_id}"
    _until(lambda: client.http.get(message_url).json()["status"] == "streaming", "the worker never started")
    time.sleep(0.4)  # a chunk or two are out
    service.kill_worker()
    service.start_worker()
    reply = client.wait_for_reply(room, reply_id)
    # The fake model quotes the last turn and counts the turns it was given: three is
    # alpha, its answer and gamma, and nothing of beta's branch.
    assert reply["status"] == "completed" and '"gamma"' in str(reply["content"]) and "turn 3 " in str(reply["content"])
    shown = client.http.get(f"/chatroom/{room}/messages").json()["items"]
    assert [m["content"] for m in shown if m["role"] == "user"] == ["alpha", "gamma"]
    assert [m["id"] for m in shown if m["role"] == "model"][-1] == reply_id
    with client.http.stream("GET", f"{message_url}/stream") as stream:
        events = _sse(list(stream.iter_lines()))
    assert events[-1]["id"].startswith("2.") and json.loads(events[-1]["data"])["content"] == reply["content"]
