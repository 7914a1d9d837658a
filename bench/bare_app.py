"""The ceiling: a bare Litestar app returning a static JSON object, served exactly like
the API (same server, loop, HTTP parser and worker count)."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get


class Status(msgspec.Struct):
    status: str
    service: str


_STATUS = Status(status="ok", service="bare")


@get("/")
async def index() -> Status:
    return _STATUS


app = Litestar([index], logging_config=None)
