from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from application.use_cases.check_readiness import CheckReadiness
from entrypoints.http.schemas import HealthResponse, ReadinessResponse


class OperationsController(Controller):
    tags = ["operations"]

    @get("/health")
    async def health(self) -> HealthResponse:
        """The process is up."""
        return HealthResponse()

    @get("/ready", responses={503: ResponseSpec(data_container=ReadinessResponse, description="A dependency is down")})
    async def ready(self, check_readiness: NamedDependency[CheckReadiness]) -> Response[ReadinessResponse]:
        """200 when every backing service answers, else 503 naming the ones that do not."""
        readiness = await check_readiness.execute()
        return Response(
            ReadinessResponse(status="ok" if readiness.ready else "unavailable", checks=readiness.checks),
            status_code=200 if readiness.ready else 503,
        )
