"""One-time code challenges, one per number and purpose."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres import tables as t
from adapters.postgres.repository import PostgresRepository, locked
from domain.otp import OtpChallenge, OtpPurpose, SignUpDetails
from domain.users import MobileNumber


def _challenge(row: Any) -> OtpChallenge:
    signup = None
    if row.signup_flow_hash is not None:
        signup = SignUpDetails(
            flow_hash=row.signup_flow_hash, password_hash=row.signup_password_hash, name=row.signup_name
        )
    return OtpChallenge(
        id=str(row.id),
        mobile_number=MobileNumber(row.mobile_number),
        purpose=OtpPurpose(row.purpose),
        code_hash=row.code_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        consumed_at=row.consumed_at,
        signup=signup,
    )


class PostgresOtpChallengeRepository(PostgresRepository):
    async def replace(self, challenge: OtpChallenge) -> None:
        values = {
            "id": uuid.UUID(challenge.id),
            "code_hash": challenge.code_hash,
            "created_at": challenge.created_at,
            "expires_at": challenge.expires_at,
            "attempts": challenge.attempts,
            "consumed_at": challenge.consumed_at,
            "signup_flow_hash": challenge.signup.flow_hash if challenge.signup else None,
            "signup_password_hash": challenge.signup.password_hash if challenge.signup else None,
            "signup_name": challenge.signup.name if challenge.signup else None,
        }
        await self._execute(
            insert(t.otp_challenges)
            .values(mobile_number=challenge.mobile_number.value, purpose=challenge.purpose.value, **values)
            .on_conflict_do_update(index_elements=["mobile_number", "purpose"], set_=values)
        )

    async def get(
        self, mobile_number: MobileNumber, purpose: OtpPurpose, *, for_update: bool = False
    ) -> OtpChallenge | None:
        query = (
            select(t.otp_challenges)
            .where(t.otp_challenges.c.mobile_number == mobile_number.value)
            .where(t.otp_challenges.c.purpose == purpose.value)
        )
        row = (await self._execute(locked(query, for_update))).first()
        return None if row is None else _challenge(row)

    async def update(self, challenge: OtpChallenge) -> None:
        await self._execute(
            update(t.otp_challenges)
            .where(t.otp_challenges.c.mobile_number == challenge.mobile_number.value)
            .where(t.otp_challenges.c.purpose == challenge.purpose.value)
            .where(t.otp_challenges.c.id == uuid.UUID(challenge.id))
            .values(attempts=challenge.attempts, consumed_at=challenge.consumed_at)
        )

    async def delete_all_for(self, mobile_number: MobileNumber) -> None:
        await self._execute(delete(t.otp_challenges).where(t.otp_challenges.c.mobile_number == mobile_number.value))
