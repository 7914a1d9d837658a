from __future__ import annotations

from collections import Counter

from domain.chat import TokenUsage


class RecordingTelemetry:
    """Keeps what was reported, for tests and in-memory runs."""

    def __init__(self) -> None:
        self.replies: list[tuple[str, float, float | None, TokenUsage | None]] = []
        self.model_errors: Counter[str] = Counter()
        self.payment_events: Counter[tuple[str, str]] = Counter()
        self.ratings: Counter[tuple[str, str]] = Counter()

    def reply_finished(
        self, *, outcome: str, seconds: float, first_chunk_seconds: float | None, usage: TokenUsage | None
    ) -> None:
        self.replies.append((outcome, seconds, first_chunk_seconds, usage))

    def model_error(self, kind: str) -> None:
        self.model_errors[kind] += 1

    def payment_event(self, event_type: str, outcome: str) -> None:
        self.payment_events[(event_type, outcome)] += 1

    def reply_rated(self, *, model: str, rating: str) -> None:
        self.ratings[(model, rating)] += 1
