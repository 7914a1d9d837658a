"""Issuing and redeeming one-time codes, shared by sign-in and password reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator, OtpHasher, OtpSender, RateLimiter
from domain.errors import InvalidOtp, TooManyAttempts
from domain.otp import OtpChallenge, OtpPurpose, looks_like_otp, new_otp_code
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class OtpPolicy:
    ttl: timedelta = timedelta(minutes=5)
    sends_per_number: int = 5
    sends_per_client: int = 30
    send_window: timedelta = timedelta(minutes=15)
    # With 5 tries per code this caps guesses at ~50 per number per window, against a
    # space of a million codes.
    verifications_per_number: int = 10
    verification_window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True, kw_only=True)
class OtpSent:
    message: str
    expires_in: int
    otp: str | None


async def throttle(limiter: RateLimiter, key: str, *, limit: int, window: timedelta) -> None:
    retry_after = await limiter.hit(key, limit=limit, window=window)
    if retry_after is not None:
        raise TooManyAttempts(retry_after_seconds=retry_after)


async def issue_otp(
    uow: UnitOfWork,
    *,
    clock: Clock,
    ids: IdGenerator,
    hasher: OtpHasher,
    sender: OtpSender,
    limiter: RateLimiter,
    policy: OtpPolicy,
    mobile_number: MobileNumber,
    purpose: OtpPurpose,
    client: str | None,
) -> OtpSent:
    """Throttle, store a fresh challenge (voiding the last), deliver the code.

    Answers the same whether or not the number is registered.
    """
    if client:
        await throttle(limiter, f"otp-send:client:{client}", limit=policy.sends_per_client, window=policy.send_window)
    await throttle(
        limiter, f"otp-send:{purpose}:{mobile_number}", limit=policy.sends_per_number, window=policy.send_window
    )
    code = new_otp_code()
    challenge_id = ids.new_id()
    challenge = OtpChallenge.issue(
        id=challenge_id,
        mobile_number=mobile_number,
        purpose=purpose,
        code_hash=hasher.hash(code, challenge_id=challenge_id),
        now=clock.now(),
        ttl=policy.ttl,
    )
    async with uow:
        await uow.otps.replace(challenge)
        await uow.commit()
    expires_in = int(policy.ttl.total_seconds())
    revealed = await sender.send(mobile_number=mobile_number, code=code, purpose=purpose, expires_in=expires_in)
    return OtpSent(
        message="If the number can receive messages, a code is on its way.",
        expires_in=expires_in,
        otp=revealed,
    )


async def redeem_otp(
    uow: UnitOfWork,
    *,
    hasher: OtpHasher,
    limiter: RateLimiter,
    policy: OtpPolicy,
    mobile_number: MobileNumber,
    purpose: OtpPurpose,
    code: str,
    clock: Clock,
) -> None:
    """Spend the live challenge for this number and purpose on ``code``, inside ``uow``.

    A wrong code is counted and committed before InvalidOtp is raised, so the count
    survives the failed request.
    """
    await throttle(
        limiter,
        f"otp-verify:{purpose}:{mobile_number}",
        limit=policy.verifications_per_number,
        window=policy.verification_window,
    )
    challenge = await uow.otps.get(mobile_number, purpose)
    if challenge is None:
        raise InvalidOtp()
    matches = looks_like_otp(code) and hasher.matches(code, code_hash=challenge.code_hash, challenge_id=challenge.id)
    try:
        challenge.redeem(code_matches=matches, now=clock.now())
    except InvalidOtp:
        await uow.otps.update(challenge)
        await uow.commit()
        raise
    await uow.otps.update(challenge)


@dataclass(frozen=True, slots=True, kw_only=True)
class OtpRequestCommand:
    mobile_number: str
    # Who is asking (an IP address), for per-client throttling; None skips it.
    client: str | None = None


class OtpRequest:
    """Send a code for ``purpose`` to a number; subclasses name the purpose."""

    purpose: OtpPurpose

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        otp_hasher: OtpHasher,
        otp_sender: OtpSender,
        limiter: RateLimiter,
        policy: OtpPolicy,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._hasher = otp_hasher
        self._sender = otp_sender
        self._limiter = limiter
        self._policy = policy

    async def execute(self, command: OtpRequestCommand) -> OtpSent:
        return await issue_otp(
            self._uow(),
            clock=self._clock,
            ids=self._ids,
            hasher=self._hasher,
            sender=self._sender,
            limiter=self._limiter,
            policy=self._policy,
            mobile_number=MobileNumber.parse(command.mobile_number),
            purpose=self.purpose,
            client=command.client,
        )
