"""Where the API's CPU goes on one route under load: py-spy samples the API process
while wrk drives the route (as the bench's Pro user, production logging), and the
functions are listed by the share of samples they were on the stack for.

    .venv/bin/python -m bench.profile /chatroom       (make profile ROUTE=/chatroom)
    .venv/bin/python -m bench.profile send 80         sending messages (the write path), 80 lines
    .venv/bin/python -m bench.profile reply           the worker writing replies (fake model, no delay)
    .venv/bin/python -m bench.profile reply-full      the same, each reply reading a full context budget
"""

from __future__ import annotations

import asyncio
import collections
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench.run import (
    AUTH_SCRIPT,
    POST_SCRIPT,
    Stack,
    completed_count,
    seed,
    send_messages,
    sign_in,
    writing_process,
    wrk,
)
from bench.run import cpu_seconds as bench_cpu

SECONDS = 8


def summary(raw: Path, top: int = 40) -> str:
    """py-spy's raw (collapsed) stacks as "share  function (file)", inclusive, then self."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        names = [_name(frame) for frame in stack.split(";")]
        for name in set(names):
            inclusive[name] += samples
        own[names[-1]] += samples
    lines = [f"{total} samples", "--- on the stack"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["--- running"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top // 2)]
    return "\n".join(lines)


def _name(frame: str) -> str:
    found = re.match(r"(.*?) \((.*?):\d+\)", frame)
    if not found:
        return frame
    function, path = found.groups()
    return f"{function} ({re.sub(r'.*(site-packages|/bench|/entrypoints|/adapters|/application)/', '', path)})"


def record(pid: int, seconds: int, *, gil: bool = False) -> Path:
    """py-spy's samples of ``pid``; with ``gil``, only of the thread holding the GIL (the
    worker's threads mostly wait on the event loop, which py-spy cannot tell from work)."""
    raw = Path(tempfile.mkdtemp(prefix="profile-")) / "stacks.txt"
    py_spy = Path(sys.executable).parent / "py-spy"
    subprocess.run(  # noqa: S603 - our own tool, our own process
        [str(py_spy), "record", "-p", str(pid), "-d", str(seconds), "-r", "200", "-f", "raw", "-o", str(raw)]
        + (["--gil"] if gil else []),
        check=True,
        capture_output=True,
    )
    return raw


def profile_replies(stack: Stack, url: str, token: str, rooms: list[str]) -> Path:
    """The worker's writing process while it answers a steady stream of messages."""
    worker = stack.worker(threads=8, first=0.0, delay=0.0, chunks=3)
    writer = writing_process(worker)
    asyncio.run(send_messages(url, token, rooms, 300))  # warm-up
    before = asyncio.run(completed_count(stack.database_url))
    load = threading.Thread(target=lambda: asyncio.run(send_messages(url, token, rooms, 20_000)), daemon=True)
    load.start()
    cpu = bench_cpu(writer.pid)
    raw = record(writer.pid, SECONDS, gil=True)
    print(f"worker CPU: {bench_cpu(writer.pid) - cpu:.2f} s")
    print(f"{asyncio.run(completed_count(stack.database_url)) - before} replies written while sampled")
    return raw


def main() -> int:
    route = sys.argv[1] if len(sys.argv) > 1 else "/chatroom"
    stack = Stack()
    try:
        api, url = stack.serve("api", "entrypoints.asgi:create", factory=True)
        number = "+447700900001"
        env = {"TOKEN": asyncio.run(sign_in(url, number))}
        rooms = asyncio.run(seed(stack.database_url, number))
        if route in ("reply", "reply-full"):
            # reply-full: every reply reads a full context budget (a room of long messages).
            targets = rooms["conversations"] if route == "reply" else [rooms["full_small"]]
            raw = profile_replies(stack, url, env["TOKEN"], targets)
            print(summary(raw, top=int(sys.argv[2]) if len(sys.argv) > 2 else 40))
            print(f"(the stacks: {raw})")
            return 0
        script = AUTH_SCRIPT
        if route == "send":  # the bench's send: a Pro user posting to its rooms (no worker)
            route, script, env["ROOMS"] = "/chatroom/x/message", POST_SCRIPT, ",".join(rooms["list"])
        wrk(url + route, seconds=1, connections=64, script=script, env=env)
        load = threading.Thread(
            target=lambda: wrk(url + route, seconds=SECONDS + 2, connections=64, script=script, env=env)
        )
        load.start()
        raw = record(api.pid, SECONDS, gil=True)
        load.join()
    finally:
        stack.close()
    print(summary(raw, top=int(sys.argv[2]) if len(sys.argv) > 2 else 40))
    print(f"(the stacks: {raw})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
