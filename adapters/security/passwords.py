from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

PROFILES = {
    # RFC 9106's second recommendation (64 MiB, 3 passes): the right cost for servers.
    "default": argon2.profiles.RFC_9106_LOW_MEMORY,
    # For tests only: keeps a suite with hundreds of sign-ins fast. Refused in production.
    "cheapest": argon2.profiles.CHEAPEST,
}


class Argon2PasswordHasher:
    def __init__(self, profile: str = "default") -> None:
        self._hasher = argon2.PasswordHasher.from_parameters(PROFILES[profile])
        self._decoy = self._hasher.hash("decoy password, never used by anyone")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def burn_time(self) -> None:
        self.verify(self._decoy, "not the decoy password")
