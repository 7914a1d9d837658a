from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from application.use_cases.check_readiness import CheckReadiness
from domain.errors import DependencyUnavailable
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import HealthResponse, ReadinessResponse


class OperationsController(Controller):
    tags = ["operations"]

    @get("/health")
    async def health(self) -> HealthResponse:
        """The process is up."""
        return HealthResponse()

    @get("/ready", responses=errors(503))
    async def ready(self, check_readiness: NamedDependency[CheckReadiness]) -> ReadinessResponse:
        """200 when every backing service answers, else 503 (in the error envelope) naming
        the ones that do not."""
        readiness = await check_readiness.execute()
        if not readiness.ready:
            down = ", ".join(name for name, state in readiness.checks.items() if state != "ok")
            raise DependencyUnavailable(
                f"Not ready: {down} unavailable.",
                details=[{"dependency": name, "status": state} for name, state in readiness.checks.items()],
            )
        return ReadinessResponse(status="ok", checks=readiness.checks)
