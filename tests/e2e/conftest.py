"""The service as it runs for real: the API and the worker as separate processes on
PostgreSQL and Redis, driven over HTTP. Only the outside world (the model, payments)
is faked."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.services import free_port
from tests.fakes.background import BackgroundServer
from tests.fakes.llm_server import GOOD_KEY, background_llm
from tests.fakes.stripe_server import PRICE_ID, SECRET_KEY, background_stripe, fake, sign
from tests.stack import Stack

FAST = {
    "APP_ENV": "test",
    "ADAPTERS": "real",
    "PASSWORD_HASH_PROFILE": "cheapest",
    "FAKE_LLM_CHUNKS": "6",
    "FAKE_LLM_CHUNK_DELAY": "0.3",
    "REPLY_TIME_LIMIT_SECONDS": "5",
    "LLM_TOTAL_TIMEOUT_SECONDS": "4",
    "REPLY_LEASE_SECONDS": "6",
    "REPLY_RETRY_BACKOFF_SECONDS": "0.2",
    "SWEEP_INTERVAL_SECONDS": "0.5",
    "SWEEP_PENDING_GRACE_SECONDS": "1",
    "SSE_HEARTBEAT_SECONDS": "0.5",
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",
    "dramatiq_worker_timeout": "50",
    "WORKER_METRICS_PORT": "0",
}


@dataclass
class Service:
    env: dict[str, str]
    logs: Path
    apis: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.apis[0][1]

    def start_api(self, port: int | None = None) -> str:
        port = port or free_port()
        url = f"http://127.0.0.1:{port}"
        process = self._spawn(
            f"api-{port}",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "entrypoints.asgi:create",
                "--port",
                str(port),
                "--no-proxy-headers",
            ],
            # Links it makes (the fake checkout's) point at itself.
            PUBLIC_URL=url,
        )
        self.apis.append((process, url))
        _wait_for(f"{url}/health", process)
        return url

    def restart_api(self) -> None:
        """The first API process stops as in a deploy (SIGTERM: open streams are told to
        reconnect) and a new one starts on the same address."""
        process, url = self.apis.pop(0)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        self.start_api(int(url.rsplit(":", 1)[1]))
        self.apis.insert(0, self.apis.pop())

    def start_worker(self) -> None:
        self.worker = self._spawn(
            "worker",
            [sys.executable, "-m", "dramatiq", "entrypoints.worker:bootstrap", "--processes", "1", "--threads", "16"],
        )
        time.sleep(1.5)  # Dramatiq boots its worker process and consumers

    def kill_worker(self) -> None:
        """SIGKILL to the worker's whole process group: no cleanup, no ack, like a crash."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()
        self.worker = None

    def stop(self) -> None:
        processes = [p for p, _ in self.apis] + ([self.worker] if self.worker else [])
        for process in processes:
            if process.poll() is None:
                # The main process only: Dramatiq forwards the signal to its workers, and
                # a worker that gets a second SIGTERM stops cleaning up.
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def _spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(  # noqa: S603 - our interpreter and modules
            command, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@contextlib.contextmanager
def running_service(stack: Stack, logs: Path, *, worker: bool = True, **env: str) -> Iterator[Service]:
    """The API (and, unless told otherwise, a worker) on emptied stores."""
    # In a thread of its own: a browser driver may be running an event loop on this one.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, stack.empty()).result()
    # Uploaded files in this test's own folder, not the development one.
    files = {"FILES_DIR": str(logs / "files")}
    running = Service(env={**os.environ, **FAST, **stack.env(), **files, **env}, logs=logs)
    try:
        running.start_api()
        if worker:
            running.start_worker()
        yield running
    finally:
        running.stop()
        for log in sorted(logs.glob("*.log")):
            print(f"--- {log.name} ---\n{log.read_text()[-3000:]}")


@pytest.fixture
def service(stack: Stack, tmp_path: Path) -> Iterator[Service]:
    with running_service(stack, tmp_path) as running:
        yield running


@pytest.fixture
def fake_gemini() -> Iterator[BackgroundServer]:
    server = background_llm(free_port()).start()
    # What the fake saw lives in its module, shared by every server of the session.
    httpx.delete(f"{server.url}/_requests").raise_for_status()
    yield server
    server.stop()


@pytest.fixture
def gemini_service(stack: Stack, tmp_path: Path, fake_gemini: BackgroundServer) -> Iterator[Service]:
    """The service on the real Gemini adapter, talking to the wire-level fake."""
    env = {"LLM_PROVIDER": "gemini", "GEMINI_API_KEY": GOOD_KEY, "GEMINI_BASE_URL": fake_gemini.url}
    with running_service(stack, tmp_path, **env) as running:
        yield running


WEBHOOK_SECRET = "whsec_e2e_" + "x" * 24


@pytest.fixture
def fake_stripe() -> Iterator[BackgroundServer]:
    """Stripe's API, faked at the wire: the service runs its real Stripe adapter against it."""
    server = background_stripe(free_port()).start()
    yield server
    server.stop()


def stripe_env(fake_stripe: BackgroundServer) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PRICE_ID": PRICE_ID,
        "STRIPE_API_BASE": fake_stripe.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


class Client:
    """A person's client: signs in with a code and keeps the token."""

    def __init__(self, url: str, number: str = "+919876543210") -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        otp = self.http.post("/auth/send-otp", json={"mobile_number": number}).json()["otp"]
        token = self.http.post("/auth/verify-otp", json={"mobile_number": number, "otp": otp}).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def wait_for_reply(self, room: str, reply: str, timeout: float = 30.0) -> dict[str, object]:
        return wait_for_reply(self.http, room, reply, timeout)


def wait_for_reply(http: httpx.Client, room: str, reply: str, timeout: float = 30.0) -> dict[str, object]:
    """Poll a reply as a client would, until it is finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = http.get(f"/chatroom/{room}/messages/{reply}").json()
        if message["status"] in ("completed", "failed", "cancelled"):
            return dict(message)
        time.sleep(0.1)
    raise AssertionError(f"reply {reply} not finished after {timeout}s: {message}")


def deliver_event(client: Client, event: dict[str, Any]) -> None:
    """A Stripe event, signed as Stripe signs it, delivered to the webhook."""
    payload = json.dumps(event).encode()
    delivered = client.http.post(
        "/webhook/stripe",
        content=payload,
        headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET), "Content-Type": "application/json"},
    )
    assert delivered.status_code == 200, delivered.text


def pay_for_pro(client: Client) -> str:
    """Checkout on the fake Stripe, its events delivered signed; the new subscription's id."""
    checkout = client.http.post("/subscribe/pro")
    assert checkout.status_code == 200, checkout.text
    events = fake.complete_checkout(checkout.json()["checkout_url"].rsplit("/", 1)[1])
    for event in events:
        deliver_event(client, event)
    assert client.http.get("/user/me").json()["tier"] == "pro"
    return str(events[1]["data"]["object"]["id"])
