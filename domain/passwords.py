from __future__ import annotations

from domain.errors import ValidationError

MIN_PASSWORD_LENGTH = 8
# Argon2 hashes any length, but an unbounded input is a cheap way to burn our CPU.
MAX_PASSWORD_LENGTH = 128


def check_password_strength(password: str, *, field: str = "password") -> None:
    """NIST SP 800-63B: length is what matters; no composition rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError.for_field(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError.for_field(field, f"must be at most {MAX_PASSWORD_LENGTH} characters")
