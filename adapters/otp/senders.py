"""Ways a one-time code reaches a phone: an SMS through Twilio, a signed webhook to the
operator's own gateway, and, for development, the API response or the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass

import httpx

from application.ports.services import CodeDelivery
from domain.errors import DependencyUnavailable
from domain.users import MobileNumber

log = logging.getLogger(__name__)

CANNOT_SEND = "Codes cannot be sent right now. Please try again in a minute."
TWILIO_API = "https://api.twilio.com"
# Twilio errors about the number itself (not a mobile, unreachable, opted out...): the
# answer to the client stays the same as for any number, so a stranger learns nothing.
_TWILIO_NUMBER_ERRORS = frozenset({21211, 21214, 21217, 21407, 21408, 21610, 21612, 21614})


def masked(number: MobileNumber) -> str:
    return number.value[:3] + "*" * (len(number.value) - 5) + number.value[-2:]


def create_http_client() -> httpx.AsyncClient:
    """One pooled client per process for code deliveries; short timeouts, since a person
    is waiting for the answer."""
    return httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=False)


class ResponseOtpSender:
    """Development delivery: the code goes back in the API response. Refused in production."""

    async def send(self, delivery: CodeDelivery) -> str | None:
        return delivery.code


class LogOtpSender:
    """Stands in for an SMS gateway: the code is written to the log (at INFO, on a
    logger of its own, so an operator can route or drop it). Production refuses it
    unless OTP_DELIVERY_LOG_IN_PRODUCTION=yes says it is meant."""

    async def send(self, delivery: CodeDelivery) -> str | None:
        log.info(
            "OTP for %s (%s): %s, valid %ss",
            masked(delivery.mobile_number),
            delivery.purpose,
            delivery.code,
            delivery.expires_in,
        )
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    # A phone number in E.164 form, or a Messaging Service id (MG...).
    sender: str
    api_base: str = TWILIO_API


class TwilioOtpSender:
    """An SMS through Twilio's Messages API (``POST /2010-04-01/Accounts/{sid}/Messages.json``,
    form-encoded, HTTP Basic with the account SID and auth token)."""

    def __init__(self, client: httpx.AsyncClient, settings: TwilioSettings) -> None:
        self._client = client
        self._settings = settings
        self._url = f"{settings.api_base.rstrip('/')}/2010-04-01/Accounts/{settings.account_sid}/Messages.json"

    async def send(self, delivery: CodeDelivery) -> str | None:
        sender = self._settings.sender
        form = {
            "To": delivery.mobile_number.value,
            "Body": delivery.text,
            ("MessagingServiceSid" if sender.startswith("MG") else "From"): sender,
        }
        try:
            response = await self._client.post(
                self._url, data=form, auth=(self._settings.account_sid, self._settings.auth_token)
            )
        except httpx.HTTPError as error:
            log.warning("twilio unreachable: %s", type(error).__name__)
            raise DependencyUnavailable(CANNOT_SEND, retry_after_seconds=30) from None
        if response.status_code in (200, 201):
            return None
        code = _twilio_error_code(response)
        if response.status_code == 400 and code in _TWILIO_NUMBER_ERRORS:
            log.warning("twilio cannot deliver to %s: error %s", masked(delivery.mobile_number), code)
            return None
        # Credentials, the sender number, rate limits or an outage: nobody gets codes.
        log.error("twilio refused the message: HTTP %s, error %s", response.status_code, code)
        raise DependencyUnavailable(CANNOT_SEND, retry_after_seconds=30)


def _twilio_error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def webhook_signature(body: bytes, secret: str, *, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``: a receiver recomputes
    it over the raw body and refuses old timestamps, so a captured call cannot be replayed."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookOtpSender:
    """A signed JSON POST to the operator's own SMS gateway (OTP_WEBHOOK_URL)."""

    SIGNATURE_HEADER = "X-Otp-Signature"

    def __init__(self, client: httpx.AsyncClient, *, url: str, secret: str) -> None:
        self._client = client
        self._url = url
        self._secret = secret

    async def send(self, delivery: CodeDelivery) -> str | None:
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "to": delivery.mobile_number.value,
                "code": delivery.code,
                "purpose": delivery.purpose.value,
                "notice": delivery.notice.value,
                "text": delivery.text,
                "expires_in": delivery.expires_in,
            }
        ).encode()
        signature = webhook_signature(body, self._secret, timestamp=int(time.time()))
        try:
            response = await self._client.post(
                self._url,
                content=body,
                headers={"Content-Type": "application/json", self.SIGNATURE_HEADER: signature},
            )
        except httpx.HTTPError as error:
            log.warning("code webhook unreachable: %s", type(error).__name__)
            raise DependencyUnavailable(CANNOT_SEND, retry_after_seconds=30) from None
        if not response.is_success:
            log.error("code webhook answered HTTP %s", response.status_code)
            raise DependencyUnavailable(CANNOT_SEND, retry_after_seconds=30)
        return None
