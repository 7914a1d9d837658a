"""``python -m devstack run`` (what ``make run`` does): PostgreSQL and Redis (embedded
unless DATABASE_URL / REDIS_URL are set), migrations, then the API and a worker as two
processes. Ctrl-C stops everything.

``python -m devstack migrate``: bring the database schema up to date."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from types import FrameType

from devstack.services import env_or_embedded

# How long the API and the worker get to finish what they are doing when stopped.
GRACE_SECONDS = 8


def _migrate() -> None:
    from adapters.postgres.migrate import upgrade

    upgrade(os.environ["DATABASE_URL"])


def _development() -> None:
    """The service defaults to production; `make run` and friends are for trying it here."""
    os.environ.setdefault("APP_ENV", "development")


def run(host: str, port: int, worker_threads: int) -> int:
    _development()
    env, servers = env_or_embedded("dev")
    os.environ.update(env)
    os.environ.setdefault("HOST", host)
    os.environ.setdefault("PORT", str(port))
    # An idle worker looks for new jobs every 50 ms instead of backing off to 1 s.
    os.environ.setdefault("dramatiq_worker_timeout", "50")
    print(f"PostgreSQL: {os.environ['DATABASE_URL']}\nRedis:      {os.environ['REDIS_URL']}", flush=True)
    _migrate()
    python = sys.executable
    api = [python, "-m", "uvicorn", "--factory", "entrypoints.asgi:create", "--host", host, "--port", str(port)]
    api += ["--no-access-log", "--no-proxy-headers", "--timeout-graceful-shutdown", str(GRACE_SECONDS)]
    worker = [
        python,
        "-m",
        "dramatiq",
        "entrypoints.worker:bootstrap",
        "--processes",
        "1",
        "--threads",
        str(worker_threads),
    ]
    # Each child leads a process group of its own: Ctrl-C reaches this process only, which
    # then stops each child exactly once (a Dramatiq worker signalled twice by the
    # terminal and by us abandons its clean-up), and can end a whole group if it hangs.
    children = {
        name: subprocess.Popen(command, start_new_session=True)  # noqa: S603 - our own interpreter and modules
        for name, command in (("api", api), ("worker", worker))
    }
    print(
        f"\nOpen the chat page: http://{host}:{port}/\n"
        f"API:  http://{host}:{port}  (docs: http://{host}:{port}/schema/swagger)\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping", file=sys.stderr, flush=True)
                exit_code = child.returncode or 1
                stopping = True
        time.sleep(0.2)
    _stop_children(children.values())
    for server in reversed(servers):
        server.stop()  # type: ignore[attr-defined]
    return exit_code


def _stop_children(children: Iterable[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each child once, a grace period for all of them together, then SIGKILL
    to whatever is left of each child's process group."""
    running = [child for child in children if child.poll() is None]
    for child in running:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
    for child in running:
        # The group too: a Dramatiq worker process outlives its parent otherwise.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def migrate() -> int:
    _development()
    env, _servers = env_or_embedded("dev")
    os.environ.update(env)
    _migrate()
    print("database schema is up to date")
    return 0


def cli(arguments: list[str]) -> int:
    _development()
    env, _servers = env_or_embedded("dev")
    os.environ.update(env)
    from entrypoints.cli.__main__ import main as cli_main

    return cli_main(arguments)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="API + worker on PostgreSQL and Redis")
    run_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run_parser.add_argument("--worker-threads", type=int, default=int(os.environ.get("WORKER_THREADS", "8")))
    commands.add_parser("migrate", help="bring the schema up to date")
    commands.add_parser("cli", help="the admin CLI on the development database", add_help=False)
    args, rest = parser.parse_known_args()
    if args.command == "cli":
        return cli(rest)
    if args.command == "run":
        return run(args.host, args.port, args.worker_threads)
    return migrate()


if __name__ == "__main__":
    raise SystemExit(main())
