"""One-time codes: sent to a number for one purpose, spent once. Every use case that
proves a number (signing in, resetting a password) goes through here.

Nothing here commits. ``issue`` stages the challenge and ``check`` stages the spent or
miscounted challenge in the caller's unit of work; the use case commits, and delivers
the code only after its commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWork
from application.ports.services import Clock, CodeDelivery, IdGenerator, OtpHasher, OtpSender
from domain.errors import InvalidOtp
from domain.otp import CodeNotice, OtpChallenge, OtpPurpose, SignUpDetails, code_text, looks_like_otp, new_otp_code
from domain.users import MobileNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class OtpPolicy:
    ttl: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeSent:
    message: str
    expires_in: int
    otp: str | None


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A challenge staged in a unit of work, and the code to deliver once it commits."""

    challenge: OtpChallenge
    code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OneTimeCodes:
    clock: Clock
    ids: IdGenerator
    hasher: OtpHasher
    sender: OtpSender
    policy: OtpPolicy

    async def issue(
        self,
        uow: UnitOfWork,
        *,
        mobile_number: MobileNumber,
        purpose: OtpPurpose,
        signup: SignUpDetails | None = None,
    ) -> IssuedCode:
        """Stage a fresh challenge for the number and purpose, voiding the last one."""
        code = new_otp_code()
        challenge_id = self.ids.new_id()
        challenge = OtpChallenge.issue(
            id=challenge_id,
            mobile_number=mobile_number,
            purpose=purpose,
            code_hash=self.hasher.hash(code, challenge_id=challenge_id),
            now=self.clock.now(),
            ttl=self.policy.ttl,
            signup=signup,
        )
        await uow.otps.replace(challenge)
        return IssuedCode(challenge=challenge, code=code)

    async def deliver(self, issued: IssuedCode, notice: CodeNotice) -> CodeSent:
        """Send the code of a committed challenge, with a text that says ``notice``. The
        answer is the same whoever the number is and whatever the notice."""
        expires_in = int(self.policy.ttl.total_seconds())
        challenge = issued.challenge
        revealed = await self.sender.send(
            CodeDelivery(
                mobile_number=challenge.mobile_number,
                code=issued.code,
                purpose=challenge.purpose,
                notice=notice,
                text=code_text(notice, issued.code, expires_in=expires_in),
                expires_in=expires_in,
            )
        )
        return CodeSent(
            message="If the number can receive messages, a code is on its way.",
            expires_in=expires_in,
            otp=revealed,
        )

    async def check(
        self,
        uow: UnitOfWork,
        *,
        mobile_number: MobileNumber,
        purpose: OtpPurpose,
        code: str,
        flow_token: str | None = None,
    ) -> OtpChallenge | None:
        """Spend the live challenge on ``code`` (and, for a sign-up, the flow token its
        starter was given): the spent challenge, or None when the code is wrong, used,
        expired or out of tries. Either way the change is staged in ``uow``: a caller
        refusing a wrong code commits first, so the wrong try counts."""
        # Locked: two checks of one code cannot both spend it.
        challenge = await uow.otps.get(mobile_number, purpose, for_update=True)
        if challenge is None:
            return None
        matches = looks_like_otp(code) and self.hasher.matches(
            code, code_hash=challenge.code_hash, challenge_id=challenge.id
        )
        try:
            challenge.redeem(code_matches=matches, now=self.clock.now(), flow_token=flow_token)
        except InvalidOtp:
            await uow.otps.update(challenge)
            return None
        await uow.otps.update(challenge)
        return challenge
