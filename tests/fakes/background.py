from __future__ import annotations

import threading
from typing import Any

import uvicorn


class BackgroundServer:
    """An ASGI app on a loopback port, in a thread of the test process."""

    def __init__(self, app: Any, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> BackgroundServer:
        self._thread.start()
        while not self._server.started:
            threading.Event().wait(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
