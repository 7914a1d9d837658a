"""One-time code challenges."""

from __future__ import annotations

from adapters.memory.tables import Table, Transaction
from domain.otp import OtpChallenge, OtpPurpose
from domain.users import MobileNumber


class InMemoryOtpChallengeRepository:
    def __init__(self, uow: Transaction) -> None:
        self._rows: Table[tuple[str, str], OtpChallenge] = Table(uow, "otp_challenges")

    async def replace(self, challenge: OtpChallenge) -> None:
        self._rows.put((challenge.mobile_number.value, challenge.purpose), challenge)

    async def get(
        self, mobile_number: MobileNumber, purpose: OtpPurpose, *, for_update: bool = False
    ) -> OtpChallenge | None:
        # Units of work are serialized here, so every read is already "for update".
        return self._rows.get((mobile_number.value, purpose))

    async def update(self, challenge: OtpChallenge) -> None:
        current = self._rows.get((challenge.mobile_number.value, challenge.purpose))
        # A newer challenge replaced this one meanwhile: the old one stays void.
        if current is not None and current.id == challenge.id:
            self._rows.put((challenge.mobile_number.value, challenge.purpose), challenge)

    async def delete_all_for(self, mobile_number: MobileNumber) -> None:
        for key in [key for key in self._rows.ids() if key[0] == mobile_number.value]:
            self._rows.delete(key)
