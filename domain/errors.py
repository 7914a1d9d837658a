"""The error hierarchy every layer speaks.

Each error carries a stable ``code`` a client can branch on (see API.md); the HTTP
entrypoint maps error *types* to statuses in one table.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "ERROR"

    def __init__(self, message: str, *, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(DomainError):
    code = "VALIDATION_ERROR"

    @classmethod
    def for_field(cls, field: str, problem: str) -> ValidationError:
        return cls(f"{field}: {problem}", details=[{"field": field, "message": problem}])


class BadRequest(DomainError):
    code = "BAD_REQUEST"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Conflict(DomainError):
    code = "CONFLICT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class InvalidOtp(DomainError):
    code = "INVALID_OTP"

    def __init__(self, message: str = "The code is wrong or has expired.") -> None:
        super().__init__(message)


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"

    def __init__(self, message: str = "The mobile number or password is wrong.") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    code = "FORBIDDEN"


class ModelNotInPlan(Forbidden):
    """The model exists, but the caller's plan does not have it."""

    code = "MODEL_NOT_IN_PLAN"

    def __init__(self, model_id: str, plan: str) -> None:
        super().__init__(
            f"{model_id} is on the {plan.capitalize()} plan: upgrade to use it, or choose another model.",
            details=[{"field": "model", "message": f"needs the {plan} plan", "plan": plan}],
        )
        self.model_id = model_id
        self.plan = plan


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"


class TooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"


class InvalidSignature(DomainError):
    code = "INVALID_SIGNATURE"


class RateLimited(DomainError):
    """Base of the 429 errors: each says when the client may try again."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)


class DailyLimitReached(RateLimited):
    code = "DAILY_LIMIT_REACHED"

    def __init__(self, *, limit: int, retry_after_seconds: int) -> None:
        super().__init__(
            f"The Basic tier allows {limit} messages a day. Upgrade to Pro for unlimited messages,"
            " or try again after midnight UTC.",
            retry_after_seconds=retry_after_seconds,
        )
        self.limit = limit


class TooManyAttempts(RateLimited):
    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many attempts. Please wait before trying again.",
            retry_after_seconds=retry_after_seconds,
        )


class TooManyRequests(RateLimited):
    """A brake on how much one user may ask of the service at once (sends per minute,
    replies in flight, open streams), whatever their tier."""

    code = "TOO_MANY_REQUESTS"


class DependencyUnavailable(DomainError):
    """A backing service is down or saturated and the request could not be served
    safely. ``retry_after_seconds`` says when trying again makes sense, if known."""

    code = "UNAVAILABLE"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, str]] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after_seconds = retry_after_seconds
