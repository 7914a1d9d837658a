from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.services import free_port
from tests.e2e.conftest import Client, Service, running_service, wait_for_reply
from tests.fakes.background import BackgroundServer
from tests.stack import Stack


def _sse(lines: list[str]) -> list[dict[str, str]]:
    events, current = [], {}
    for line in lines:
        if not line:
            if current:
                events.append(current)
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            current[key] = value
    return events


def test_seed_flow_through_the_queue_and_the_worker(service: Service) -> None:
    client = Client(service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    sent = client.http.post(f"/chatroom/{room}/message", json={"content": "Hello over the wire"})
    assert sent.status_code == 202
    reply_id = sent.json()["reply"]["id"]
    # Open the stream right after the 202, as a client would, and read it to the end.
    with client.http.stream("GET", f"/chatroom/{room}/messages/{reply_id}/stream") as stream:
        events = _sse(list(stream.iter_lines()))
    chunks = [json.loads(e["data"])["text"] for e in events if e.get("event") == "chunk"]
    assert len(chunks) == 6 and events[-1]["event"] == "done"
    final = json.loads(events[-1]["data"])
    assert final["status"] == "completed" and "".join(chunks) == final["content"]
    assert "Hello over the wire" in final["content"]
    for _ in range(4):
        assert client.http.post(f"/chatroom/{room}/message", json={"content": "x"}).status_code == 202
    refused = client.http.post(f"/chatroom/{room}/message", json={"content": "sixth"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_a_stream_resumes_mid_reply_without_duplicates(service: Service) -> None:
    client = Client(service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "resume me"}).json()["reply"]["id"]
    url = f"/chatroom/{room}/messages/{reply_id}/stream"
    first: list[dict[str, str]] = []
    with client.http.stream("GET", url) as stream:
        lines: list[str] = []
        for line in stream.iter_lines():
            lines.append(line)
            first = [e for e in _sse(lines) if e.get("event") == "chunk"]
            if len(first) == 2:
                break  # the client drops the connection after two chunks
    with client.http.stream("GET", url, headers={"Last-Event-ID": first[-1]["id"]}) as stream:
        rest = _sse(list(stream.iter_lines()))
    text = "".join(json.loads(e["data"])["text"] for e in first + [e for e in rest if e.get("event") == "chunk"])
    assert rest[-1]["event"] == "done" and text == json.loads(rest[-1]["data"])["content"]


def test_fifty_concurrent_sends_across_two_api_processes_accept_exactly_five(service: Service) -> None:
    second = service.start_api()
    client = Client(service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    headers = {"Authorization": client.http.headers["Authorization"]}

    async def send_all() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        f"{(service.url, second)[i % 2]}/chatroom/{room}/message",
                        json={"content": f"m{i}"},
                        headers=headers,
                    )
                    for i in range(50)
                )
            )
        return [r.status_code for r in responses]

    statuses = asyncio.run(send_all())
    assert (statuses.count(202), statuses.count(429)) == (5, 45)
    # The five line up on one branch, each following the reply of the one before it.
    branch = client.http.get(f"/chatroom/{room}/messages").json()["items"]
    assert len(branch) == 10 and all(m["sibling_count"] == 1 for m in branch)
    assert [m["parent_id"] for m in branch[1:]] == [m["id"] for m in branch[:-1]]


def test_a_change_made_through_one_api_process_is_seen_by_another_at_once(service: Service) -> None:
    """Each API process keeps its own copies of sessions, profiles and chatroom lists;
    the invalidation feed must reach the other process before its next request."""
    second = service.start_api()
    client = Client(service.url)
    other = httpx.Client(base_url=second, headers=dict(client.http.headers), timeout=10)
    other.get("/user/me").raise_for_status()  # the second process now holds copies
    assert other.get("/chatroom").json()["items"] == []

    room = client.http.post("/chatroom", json={"title": "Trip"}).json()["id"]
    assert [r["id"] for r in other.get("/chatroom").json()["items"]] == [room]
    assert client.http.post("/auth/logout").status_code == 204
    assert other.get("/user/me").status_code == 401
    assert other.get("/chatroom").status_code == 401


def test_a_reply_the_model_was_too_busy_for_is_queued_again_and_written_once(stack: Stack, tmp_path: Path) -> None:
    """The job has ended by the time the model refuses (the event loop writes the reply),
    so the worker itself queues the retry, as the reply's next attempt. The sweeper
    sweeps once a minute here: only that retry can answer in time."""
    with running_service(stack, tmp_path, SWEEP_INTERVAL_SECONDS="60") as service:
        client = Client(service.url)
        room = client.http.post("/chatroom", json={}).json()["id"]
        sent = client.http.post(f"/chatroom/{room}/message", json={"content": "[[busy once]] try me"})
        reply = client.wait_for_reply(room, sent.json()["reply"]["id"], timeout=15)
        assert reply["status"] == "completed" and "try me" in str(reply["content"])
        with client.http.stream("GET", f"/chatroom/{room}/messages/{reply['id']}/stream") as stream:
            events = _sse(list(stream.iter_lines()))
        lines = (service.logs / "worker.log").read_text().splitlines()
    assert events[-1]["id"].startswith("2.") and json.loads(events[-1]["data"])["content"] == reply["content"]
    mine = [e for e in (json.loads(line) for line in lines if line[:1] == "{") if e.get("reply_id") == reply["id"]]
    assert [(e["event"], e["attempt"]) for e in mine if e["event"] in ("reply deferred", "reply written")] == [
        ("reply deferred", 1),
        ("reply written", 2),
    ]


def test_a_reply_past_its_time_limit_is_stopped_and_keeps_its_lease_for_the_sweeper(
    stack: Stack, tmp_path: Path
) -> None:
    """Six chunks 2 s apart against a 5 s limit: the worker stops writing at the limit and
    leaves the reply leased (the sweeper gives it to another run once the lease ends),
    rather than queueing a retry that would find it leased."""
    with running_service(stack, tmp_path, FAKE_LLM_CHUNK_DELAY="2") as service:
        client = Client(service.url)
        room = client.http.post("/chatroom", json={}).json()["id"]
        reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "too slow"}).json()["reply"]["id"]
        deadline = time.monotonic() + 15
        mine: list[dict[str, Any]] = []
        while not any(e["event"].startswith("reply passed its time limit") for e in mine):
            assert time.monotonic() < deadline, f"no time limit in the worker's log: {mine}"
            time.sleep(0.2)
            lines = (service.logs / "worker.log").read_text().splitlines()
            mine = [e for e in (json.loads(line) for line in lines if line[:1] == "{") if e.get("reply_id") == reply_id]
        assert client.http.get(f"/chatroom/{room}/messages/{reply_id}").json()["status"] == "streaming"
    assert not any(e["event"] in ("reply deferred", "reply written") for e in mine)


def test_a_worker_killed_mid_reply_is_replaced_and_the_reply_completes_once(service: Service) -> None:
    client = Client(service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "survive a crash"}).json()["reply"]["id"]
    deadline = time.monotonic() + 10
    while client.http.get(f"/chatroom/{room}/messages/{reply_id}").json()["status"] != "streaming":
        assert time.monotonic() < deadline, "the worker never started the reply"
        time.sleep(0.05)
    time.sleep(0.4)  # a chunk or two are out
    service.kill_worker()
    assert client.http.get(f"/chatroom/{room}/messages/{reply_id}").json()["status"] == "streaming"
    service.start_worker()
    reply = client.wait_for_reply(room, reply_id)
    assert reply["status"] == "completed" and "survive a crash" in str(reply["content"])
    messages = client.http.get(f"/chatroom/{room}/messages").json()["items"]
    assert [m["role"] for m in messages] == ["user", "model"]
    # Written by the second attempt, exactly once: the stream's ids say which attempt.
    with client.http.stream("GET", f"/chatroom/{room}/messages/{reply_id}/stream") as stream:
        events = _sse(list(stream.iter_lines()))
    assert events[-1]["id"].startswith("2.") and json.loads(events[-1]["data"])["content"] == reply["content"]


def test_a_message_sent_while_redis_is_down_is_answered_when_it_returns(service: Service, stack: Stack) -> None:
    if stack.redis is None:
        pytest.skip("needs the embedded Redis to stop it (REDIS_URL points elsewhere)")
    client = Client(service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    stack.redis.stop()
    try:
        sent = client.http.post(f"/chatroom/{room}/message", json={"content": "sent in the dark"})
        assert sent.status_code == 202, sent.text
        reply_id = sent.json()["reply"]["id"]
        time.sleep(1)
        assert client.http.get(f"/chatroom/{room}/messages/{reply_id}").json()["status"] == "pending"
    finally:
        stack.redis.start()
    reply = client.wait_for_reply(room, reply_id, timeout=45)
    assert reply["status"] == "completed" and "sent in the dark" in str(reply["content"])


def test_replies_stream_from_the_gemini_adapter_with_the_conversation_so_far(
    gemini_service: Service, fake_gemini: BackgroundServer
) -> None:
    client = Client(gemini_service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    first = client.http.post(f"/chatroom/{room}/message", json={"content": "Hi there"}).json()["reply"]["id"]
    with client.http.stream("GET", f"/chatroom/{room}/messages/{first}/stream") as stream:
        events = _sse(list(stream.iter_lines()))
    chunks = [json.loads(e["data"])["text"] for e in events if e.get("event") == "chunk"]
    assert "".join(chunks) == "Echo: Hi there" and len(chunks) == 3
    done = json.loads(events[-1]["data"])
    assert done["status"] == "completed" and done["usage"]["response_tokens"] == 7
    second = client.http.post(f"/chatroom/{room}/message", json={"content": "And again"}).json()["reply"]["id"]
    assert client.wait_for_reply(room, second)["content"] == "Echo: And again"
    sent = [
        r["body"]["contents"] for r in httpx.get(f"{fake_gemini.url}/_requests").json() if "streamGenerate" in r["path"]
    ]
    assert [[c["role"] for c in contents] for contents in sent] == [["user"], ["user", "model", "user"]]
    # The untitled room was named by the model from the first exchange (the fake echoes
    # the last turn it is given, here the model's own first answer).
    assert client.http.get(f"/chatroom/{room}").json()["title"] == "Echo: Echo: Hi there"


def test_a_gem_a_persons_and_a_chats_instructions_reach_the_model_after_the_operators(
    gemini_service: Service, fake_gemini: BackgroundServer
) -> None:
    """The request the README shows, as the fake Gemini server received it from the worker."""
    client = Client(gemini_service.url)
    saved = client.http.put(
        "/user/instructions", json={"about_me": "I am vegetarian.", "response_style": "Use metric units."}
    )
    assert saved.status_code == 200, saved.text
    gem = client.http.post("/gems", json={"name": "Chef", "instructions": "You are a home cook.", "temperature": 0.9})
    room = client.http.post(
        "/chatroom", json={"gem_id": gem.json()["id"], "system_instruction": "Dinner for two.", "temperature": 0.3}
    ).json()["id"]
    reply = client.http.post(f"/chatroom/{room}/message", json={"content": "A soup?"}).json()["reply"]["id"]
    assert client.wait_for_reply(room, reply)["status"] == "completed"
    [request] = [r for r in httpx.get(f"{fake_gemini.url}/_requests").json() if "streamGenerate" in r["path"]]
    assert (request["path"], request["query"]) == (
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        {"alt": "sse"},
    )
    assert request["body"] == {
        "contents": [{"role": "user", "parts": [{"text": "A soup?"}]}],
        "generationConfig": {"temperature": 0.3, "maxOutputTokens": 2048},
        "systemInstruction": {
            "parts": [
                {
                    "text": "You are a helpful, concise assistant.\n\n"
                    "About the person you are talking with, in their words:\nI am vegetarian.\n\n"
                    "How they want you to answer, in their words:\nUse metric units.\n\n"
                    "The assistant they chose for this conversation, in their words:\nYou are a home cook.\n\n"
                    "Instructions for this conversation, from the person:\nDinner for two."
                }
            ]
        },
    }


def test_a_declined_answer_fails_readably_and_does_not_count(gemini_service: Service) -> None:
    client = Client(gemini_service.url)
    room = client.http.post("/chatroom", json={}).json()["id"]
    reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "bad [[safety]]"}).json()["reply"]["id"]
    reply = client.wait_for_reply(room, reply_id)
    assert reply["status"] == "failed" and reply["error"] == "The model declined to answer this message."
    assert client.http.get("/user/usage").json()["used_today"] == 0


def test_one_request_id_follows_a_message_into_the_worker_and_no_secret_is_logged(service: Service) -> None:
    number, password, content = "+447700900555", "a password nobody may see", "my very private question 7319"
    http = httpx.Client(base_url=service.url, timeout=10)
    started = http.post("/auth/signup", json={"mobile_number": number, "password": password}).json()
    otp, signup_token = started["otp"], started["signup_token"]
    http.post(
        "/auth/verify-signup", json={"mobile_number": number, "otp": otp, "signup_token": signup_token}
    ).raise_for_status()
    tokens = http.post("/auth/login", json={"mobile_number": number, "password": password}).json()
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    room = http.post("/chatroom", json={}).json()["id"]
    sent = http.post(f"/chatroom/{room}/message", json={"content": content}, headers={"X-Request-ID": "trace-me-123"})
    assert sent.headers["x-request-id"] == "trace-me-123"
    wait_for_reply(http, room, sent.json()["reply"]["id"])
    time.sleep(0.5)  # let the worker flush its last lines
    api_lines = (service.logs / f"api-{service.url.rsplit(':', 1)[1]}.log").read_text().splitlines()
    worker_lines = (service.logs / "worker.log").read_text().splitlines()
    api_events = [json.loads(line) for line in api_lines if line.startswith("{")]
    worker_events = [json.loads(line) for line in worker_lines if line.startswith("{")]
    traced_api = [e for e in api_events if e.get("request_id") == "trace-me-123"]
    traced_worker = [e for e in worker_events if e.get("request_id") == "trace-me-123"]
    assert any(e["event"] == "request" and e["route"] == "/chatroom/{chatroom_id}/message" for e in traced_api)
    # Written by a task the job handed the reply to: the id follows it there too.
    assert "reply written" in {e["event"] for e in traced_worker}
    everything = "\n".join(api_lines + worker_lines)
    secrets = (otp, signup_token, tokens["access_token"], tokens["refresh_token"], password, content, "my very private")
    for secret in secrets:
        assert secret not in everything, f"leaked into the logs: {secret[:12]}..."


def test_metrics_change_as_a_message_is_answered(stack: Stack, tmp_path: Path) -> None:
    worker_port = free_port()
    with running_service(stack, tmp_path, WORKER_METRICS_PORT=str(worker_port)) as service:
        client = Client(service.url)
        room = client.http.post("/chatroom", json={}).json()["id"]
        reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "count me"}).json()["reply"]["id"]
        client.wait_for_reply(room, reply_id)
        api = httpx.get(f"{service.url}/metrics").text
        worker = httpx.get(f"http://127.0.0.1:{worker_port}/metrics").text
    assert 'http_requests_total{method="POST",route="/chatroom/{chatroom_id}/message",status="202"} 1.0' in api
    assert 'replies_total{outcome="completed"} 1.0' in worker
    assert "reply_first_chunk_seconds_count 1.0" in worker and "reply_generation_seconds_count 1.0" in worker
    assert 'model_tokens_total{direction="response"}' in worker


def test_on_sigterm_the_api_ends_open_streams_resumably_and_the_worker_finishes_its_reply(
    stack: Stack, tmp_path: Path
) -> None:
    with running_service(stack, tmp_path, FAKE_LLM_CHUNK_DELAY="0.6") as service:
        client = Client(service.url)
        room = client.http.post("/chatroom", json={}).json()["id"]
        reply_id = client.http.post(f"/chatroom/{room}/message", json={"content": "slow one"}).json()["reply"]["id"]
        api, _ = service.apis[0]
        lines: list[str] = []
        with client.http.stream("GET", f"/chatroom/{room}/messages/{reply_id}/stream") as stream:
            for line in stream.iter_lines():
                lines.append(line)
                if len([e for e in _sse(lines) if e.get("event") == "chunk"]) == 1 and line == "":
                    api.send_signal(signal.SIGTERM)  # mid-reply, with this stream open
            events = _sse(lines)
        # Uvicorn re-raises the signal once it has shut down gracefully.
        assert api.wait(timeout=15) in (0, -signal.SIGTERM)
        api_log = next(service.logs.glob("api-*.log")).read_text()
        assert "Application shutdown complete" in api_log
        chunks = [e for e in events if e.get("event") == "chunk"]
        final = events[-1]
        assert final["event"] == "reconnect" and final["id"] == chunks[-1]["id"] and final["retry"] == "1000"
        # The worker was never told to stop: the reply is still written, once.
        assert service.worker is not None
        service.worker.send_signal(signal.SIGTERM)
        assert service.worker.wait(timeout=30) == 0
        service.worker = None
        service.apis.clear()
        service.start_api()
        resumed = Client(service.url).http  # a new API instance; the old token still works
        resumed.headers["Authorization"] = client.http.headers["Authorization"]
        with resumed.stream(
            "GET", f"/chatroom/{room}/messages/{reply_id}/stream", headers={"Last-Event-ID": final["id"]}
        ) as stream:
            rest = _sse(list(stream.iter_lines()))
    text = "".join(json.loads(e["data"])["text"] for e in chunks + [e for e in rest if e.get("event") == "chunk"])
    assert rest[-1]["event"] == "done" and text == json.loads(rest[-1]["data"])["content"]
