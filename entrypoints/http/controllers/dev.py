from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from application.use_cases.complete_test_checkout import CompleteTestCheckout
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.subscriptions import FakeCheckoutResponse


def _from_a_browser(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


class DevController(Controller):
    """Only mounted in development with the fake payment provider."""

    path = "/dev"
    tags = ["development"]
    include_in_schema = False

    @get("/fake-checkout/{session_id:str}", responses=errors(404))
    async def fake_checkout(
        self,
        request: Request[Any, Any, Any],
        session_id: FromPath[str],
        complete_test_checkout: NamedDependency[CompleteTestCheckout],
    ) -> Response[FakeCheckoutResponse] | Redirect:
        """Pay for a fake checkout: the signed events go through the real webhook handling.
        A browser is sent back to the web page, as Stripe Checkout would send it."""
        outcomes = await complete_test_checkout.execute(session_id)
        if _from_a_browser(request):
            return Redirect("/?checkout=success", status_code=303)
        return Response(
            FakeCheckoutResponse(
                completed=True,
                events=[o.value for o in outcomes],
                next="GET /subscription/status now says tier: pro",
            )
        )

    @get("/fake-billing-portal/{customer_id:str}")
    async def fake_billing_portal(self, request: Request[Any, Any, Any], customer_id: FromPath[str]) -> Redirect:
        """There is nothing to manage on the fake provider: back to the page, which says so."""
        return Redirect("/?billing=fake-portal", status_code=303)
