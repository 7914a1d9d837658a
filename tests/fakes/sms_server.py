"""A fake SMS gateway that speaks Twilio's Messages API (``POST
/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded, HTTP Basic with the
account SID and auth token, ``201`` with the message resource, errors as
``{code, message, more_info, status}``) and receives the signed code webhook
(``POST /otp-webhook``), checking its signature like an operator's gateway would.

Numbers in ``unreachable`` get Twilio's error 21211; ``outage`` makes every call a 503.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, post
from litestar.params import FromPath

from tests.fakes.background import BackgroundServer

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "fake-twilio-auth-token"
WEBHOOK_SECRET = "a webhook secret of at least thirty-two bytes"


@dataclass
class SmsGateway:
    messages: list[dict[str, str]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    outage: bool = False

    def texts_to(self, number: str) -> list[str]:
        return [m["Body"] for m in self.messages if m["To"] == number]


def _twilio_error(status: int, code: int, message: str) -> Response[Any]:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(body, status_code=status)


def sms_app(gateway: SmsGateway) -> Litestar:
    @post("/2010-04-01/Accounts/{sid:str}/Messages.json", status_code=201)
    async def create_message(request: Request[Any, Any, Any], sid: FromPath[str]) -> Response[Any]:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if sid != ACCOUNT_SID or request.headers.get("authorization") != expected:
            return _twilio_error(401, 20003, "Authentication Error - invalid username")
        if gateway.outage:
            return _twilio_error(503, 20503, "Service unavailable")
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not form.get("To") or not form.get("Body") or not (form.get("From") or form.get("MessagingServiceSid")):
            return _twilio_error(400, 21604, "A 'To' phone number, a 'Body' and a sender are required.")
        if form["To"] in gateway.unreachable:
            return _twilio_error(400, 21211, f"The 'To' number {form['To']} is not a valid phone number.")
        gateway.messages.append(form)
        sid_of_message = "SM" + hashlib.sha256(form["Body"].encode()).hexdigest()[:32]
        return Response(
            {
                "sid": sid_of_message,
                "status": "queued",
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
            },
            status_code=201,
        )

    @post("/otp-webhook", status_code=200)
    async def otp_webhook(request: Request[Any, Any, Any]) -> Response[Any]:
        raw = await request.body()
        fields = dict(
            part.split("=", 1) for part in request.headers.get("x-otp-signature", "").split(",") if "=" in part
        )
        timestamp = fields.get("t", "")
        expected = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        if not (fresh and hmac.compare_digest(expected, fields.get("v1", ""))):
            return Response({"error": "bad signature"}, status_code=401)
        if gateway.outage:
            return Response({"error": "down"}, status_code=503)
        gateway.webhooks.append(json.loads(raw))
        return Response({"accepted": True})

    return Litestar(route_handlers=[create_message, otp_webhook])


def background_sms(port: int, gateway: SmsGateway) -> BackgroundServer:
    return BackgroundServer(sms_app(gateway), port)
