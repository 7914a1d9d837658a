from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import ValidationError
from domain.text import storable

_SEPARATORS = re.compile(r"[\s\-.()/]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
MAX_NAME_LENGTH = 100


class Tier(StrEnum):
    BASIC = "basic"
    PRO = "pro"


@dataclass(frozen=True, slots=True)
class MobileNumber:
    """A mobile number in E.164 form (``+919876543210``).

    Accepted input: the international form with ``+`` or the ``00`` international prefix,
    with spaces, dashes, dots, slashes or parentheses between digits. A number without a
    country code is refused rather than guessed at: guessing would sign people in as
    somebody else.
    """

    value: str

    @classmethod
    def parse(cls, raw: str) -> MobileNumber:
        compact = _SEPARATORS.sub("", raw.strip())
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        if not _E164.fullmatch(compact):
            raise ValidationError.for_field(
                "mobile_number",
                "must be an international number with country code, e.g. +919876543210",
            )
        return cls(compact)

    def __str__(self) -> str:
        return self.value


def clean_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    name = " ".join(storable("name", raw).split())
    if not name:
        return None
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError.for_field("name", f"must be at most {MAX_NAME_LENGTH} characters")
    return name


@dataclass(slots=True)
class User:
    id: str
    mobile_number: MobileNumber
    name: str | None
    tier: Tier
    password_hash: str | None
    created_at: datetime
    # When somebody first proved they hold the number, by entering a code sent to it.
    # A password never opens an account whose number nobody has proven.
    verified_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        id: str,
        mobile_number: MobileNumber,
        now: datetime,
        name: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """A new account, on Basic, whose number was just proven (or vouched for)."""
        return cls(
            id=id,
            mobile_number=mobile_number,
            name=name,
            tier=Tier.BASIC,
            password_hash=password_hash,
            created_at=now,
            verified_at=now,
        )

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def prove_number(self, now: datetime) -> bool:
        """Somebody just entered a code sent to this number. On an account nobody had
        proven before, a password set earlier was set by somebody who never showed they
        hold the number (anyone could sign a number up): it is dropped. Returns True
        when that happened, so the caller can end the sessions it opened and say so."""
        if self.verified_at is not None:
            return False
        self.verified_at = now
        dropped = self.password_hash is not None
        self.password_hash = None
        return dropped
