from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from application.use_cases.complete_test_checkout import CompleteTestCheckout
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.subscriptions import FakeCheckoutResponse


class DevController(Controller):
    """Only mounted in development with the fake payment provider."""

    path = "/dev"
    tags = ["development"]
    include_in_schema = False

    @get("/fake-checkout/{session_id:str}", responses=errors(404))
    async def fake_checkout(
        self, session_id: FromPath[str], complete_test_checkout: NamedDependency[CompleteTestCheckout]
    ) -> FakeCheckoutResponse:
        """Pay for a fake checkout: the signed events go through the real webhook handling."""
        outcomes = await complete_test_checkout.execute(session_id)
        return FakeCheckoutResponse(
            completed=True,
            events=[o.value for o in outcomes],
            next="GET /subscription/status now says tier: pro",
        )
