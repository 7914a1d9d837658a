"""`make run` as a developer uses it: Ctrl-C stops every process of the stack, and after
the machine lost power (every process SIGKILLed) it starts again by itself. The stack
here has a data folder and ports of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from devstack.services import free_port


class DevStack:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DEVSTACK_DATA": str(data),
            "DEV_REDIS_PORT": str(free_port()),
            "PASSWORD_HASH_PROFILE": "cheapest",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.data / "run.log").open("ab")
        # A session of its own, as a terminal gives `make run`: Ctrl-C goes to its group.
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and module
            [sys.executable, "-m", "devstack", "run", "--port", str(self.port), "--worker-threads", "4"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.data / "run.log").read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("the stack did not become ready:\n" + (self.data / "run.log").read_text()[-3000:])

    def processes(self) -> list[psutil.Process]:
        """Every process of this stack: the launcher and its descendants, and the database
        and Redis servers (which run in sessions of their own)."""
        found: dict[int, psutil.Process] = {}
        for process in psutil.process_iter(["cmdline", "environ"]):
            try:
                cmdline = " ".join(process.info["cmdline"] or [])
                environ = process.info["environ"] or {}
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if str(self.data) in cmdline or environ.get("DEVSTACK_DATA") == str(self.data):
                found[process.pid] = process
            if f"127.0.0.1:{self.env['DEV_REDIS_PORT']}" in cmdline:
                found[process.pid] = process
        return [p for p in found.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    def kill_everything(self) -> None:
        for process in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        if self.process is not None:
            self.process.wait()


@pytest.fixture
def devstack(tmp_path: Path) -> Iterator[DevStack]:
    stack = DevStack(tmp_path / "devdata")
    stack.data.mkdir()
    yield stack
    stack.kill_everything()


def _gone_within(stack: DevStack, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not stack.processes():
            return time.monotonic() - started
        time.sleep(0.2)
    left = [" ".join(p.cmdline())[:100] for p in stack.processes()]
    raise AssertionError(f"still running after {seconds}s: {left}")


def test_ctrl_c_stops_every_process_of_the_stack(devstack: DevStack) -> None:
    devstack.start()
    assert len(devstack.processes()) >= 5  # launcher, API, worker (two processes), PostgreSQL, Redis
    assert devstack.process is not None
    os.killpg(devstack.process.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    took = _gone_within(devstack, 15)
    assert devstack.process.wait(timeout=1) == 0
    print(f"stopped in {took:.1f} s")


def test_after_every_process_is_killed_the_stack_starts_again(devstack: DevStack) -> None:
    devstack.start()
    devstack.kill_everything()  # the machine lost power
    assert (devstack.data / "dev-postgres" / "postmaster.pid").exists()  # what used to stop the next start
    devstack.start()
    assert httpx.get(f"{devstack.url}/ready", timeout=5).status_code == 200
    assert devstack.process is not None
    os.killpg(devstack.process.pid, signal.SIGINT)
    _gone_within(devstack, 15)  # and the server it restarted is stopped too
