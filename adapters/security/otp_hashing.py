from __future__ import annotations

import hashlib
import hmac


class HmacOtpHasher:
    """HMAC-SHA256 with a server-side pepper, salted by the challenge id.

    A slow hash buys nothing for a 6-digit code (a million guesses take no time at
    any cost setting); what protects a stolen table is the pepper, which is not in it.
    """

    def __init__(self, pepper: bytes) -> None:
        self._pepper = pepper

    def hash(self, code: str, *, challenge_id: str) -> str:
        return hmac.new(self._pepper, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def matches(self, code: str, *, code_hash: str, challenge_id: str) -> bool:
        return hmac.compare_digest(self.hash(code, challenge_id=challenge_id), code_hash)
