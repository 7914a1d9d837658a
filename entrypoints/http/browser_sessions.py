"""Sessions for browsers: the tokens travel in cookies scripts cannot read.

A browser page cannot keep a bearer token where injected script could not steal it, and
its native ``EventSource`` cannot send an ``Authorization`` header at all. So a client
that signs in with ``X-Session-Transport: cookie`` gets its access and refresh tokens
as ``HttpOnly``, ``SameSite=Strict`` cookies (``Secure`` in production) and empty
token fields in the body. A request carrying no ``Authorization`` header is then
authenticated by the access cookie; one that changes something must also come from
our own origin (``Origin``) and echo the ``gc_csrf`` cookie in ``X-CSRF-Token``, so a
page elsewhere cannot act with the cookie. Bearer clients are unaffected.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie

from application.services.sign_in import SignedIn
from domain.errors import Forbidden
from entrypoints.http.schemas.auth import TokenResponse

TRANSPORT_HEADER = "x-session-transport"
ACCESS_COOKIE = "gc_access"
REFRESH_COOKIE = "gc_refresh"
CSRF_COOKIE = "gc_csrf"
CSRF_HEADER = "x-csrf-token"
# The refresh token goes only where it is used (and is cleared from there).
REFRESH_PATH = "/auth"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_cookies(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get(TRANSPORT_HEADER, "").strip().lower() == "cookie"


def require_same_site(request: Request[Any, Any, Any]) -> None:
    """A cookie-authenticated request that changes something: it must come from a page
    of ours (``Origin`` names our host) holding the CSRF token (which only our pages can
    read from the cookie)."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin", "")
    host = request.headers.get("host", "")
    if not origin or not host or urlsplit(origin).netloc.lower() != host.lower():
        raise Forbidden("Cross-site request refused: a signed-in browser may change things only from this site.")
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise Forbidden(f"Send the {CSRF_COOKIE} cookie's value in the X-CSRF-Token header.")


@dataclass(frozen=True, slots=True, kw_only=True)
class BrowserSessions:
    secure: bool
    refresh_ttl_seconds: int

    def signed_in(self, request: Request[Any, Any, Any], signed_in: SignedIn) -> Response[TokenResponse]:
        """The sign-in answer: tokens in the body for bearer clients, in cookies (and not in
        the body) for a browser that asked for them."""
        body = TokenResponse.from_domain(signed_in)
        if not wants_cookies(request):
            return Response(body)
        tokens = signed_in.tokens
        cookies = [
            self._cookie(ACCESS_COOKIE, tokens.access_token, path="/", max_age=tokens.expires_in, http_only=True),
            self._cookie(
                REFRESH_COOKIE,
                tokens.refresh_token,
                path=REFRESH_PATH,
                max_age=self.refresh_ttl_seconds,
                http_only=True,
            ),
            # Readable by our pages, which echo it in X-CSRF-Token.
            self._cookie(
                CSRF_COOKIE, secrets.token_urlsafe(32), path="/", max_age=self.refresh_ttl_seconds, http_only=False
            ),
        ]
        body.access_token = ""
        body.refresh_token = ""
        return Response(body, cookies=cookies)

    def signed_out(self) -> list[Cookie]:
        """Cookies that clear a browser session (harmless for a bearer client)."""
        return [
            self._cookie(name, "", path=path, max_age=0, http_only=name != CSRF_COOKIE)
            for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH), (CSRF_COOKIE, "/"))
        ]

    def _cookie(self, name: str, value: str, *, path: str, max_age: int, http_only: bool) -> Cookie:
        return Cookie(
            key=name,
            value=value,
            path=path,
            max_age=max_age,
            httponly=http_only,
            secure=self.secure,
            samesite="strict",
        )
