"""Where the API's CPU goes on one route under load: py-spy samples the API process
while wrk drives the route (as the bench's Pro user, production logging), and the
functions are listed by the share of samples they were on the stack for.

    .venv/bin/python -m bench.profile /chatroom       (make profile ROUTE=/chatroom)
    .venv/bin/python -m bench.profile send 80         sending messages (the write path), 80 lines
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

from bench.run import AUTH_SCRIPT, POST_SCRIPT, Stack, seed, sign_in, wrk

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


def main() -> int:
    route = sys.argv[1] if len(sys.argv) > 1 else "/chatroom"
    stack = Stack()
    try:
        api, url = stack.serve("api", "entrypoints.asgi:create", factory=True)
        number = "+447700900001"
        env = {"TOKEN": asyncio.run(sign_in(url, number))}
        rooms = asyncio.run(seed(stack.database_url, number))
        script = AUTH_SCRIPT
        if route == "send":  # the bench's send: a Pro user posting to its rooms (no worker)
            route, script, env["ROOMS"] = "/chatroom/x/message", POST_SCRIPT, ",".join(rooms["list"])
        wrk(url + route, seconds=1, connections=64, script=script, env=env)
        load = threading.Thread(
            target=lambda: wrk(url + route, seconds=SECONDS + 2, connections=64, script=script, env=env)
        )
        load.start()
        raw = Path(tempfile.mkdtemp(prefix="profile-")) / "stacks.txt"
        py_spy = Path(sys.executable).parent / "py-spy"
        subprocess.run(  # noqa: S603 - our own tool, our own process
            [str(py_spy), "record", "-p", str(api.pid), "-d", str(SECONDS), "-r", "200", "-f", "raw", "-o", str(raw)],
            check=True,
            capture_output=True,
        )
        load.join()
    finally:
        stack.close()
    print(summary(raw, top=int(sys.argv[2]) if len(sys.argv) > 2 else 40))
    print(f"(the stacks: {raw})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
