"""Health and readiness."""

from __future__ import annotations

from msgspec import Struct


class HealthResponse(Struct):
    status: str = "ok"


class ReadinessResponse(Struct):
    status: str
    checks: dict[str, str]
