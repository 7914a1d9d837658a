"""Which part of a conversation the model gets to see."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from domain.chat import MessageRole
from domain.models import ModelOffer

# A turn costs its text plus the role and framing the wire format adds around it.
TURN_OVERHEAD_TOKENS = 4
CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class Turn:
    role: MessageRole
    text: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """What a model is asked: the conversation (oldest first) and how to answer it."""

    turns: list[Turn]
    system_instruction: str | None = None
    # None: the deployment's default.
    temperature: float | None = None
    # The catalogue's model to answer with; None: the adapter's own default.
    model: ModelOffer | None = None


def instruction_tokens(instruction: str | None) -> int:
    """What a system instruction costs of the context budget (counted like a turn)."""
    return estimate_tokens(Turn(MessageRole.USER, instruction)) if instruction else 0


def estimate_tokens(turn: Turn) -> int:
    """A deliberately generous estimate (about 4 characters a token, rounded up), so a
    context that fits by our count fits the model's real tokenizer too."""
    return math.ceil(len(turn.text) / CHARS_PER_TOKEN) + TURN_OVERHEAD_TOKENS


class ContextWindow:
    """Collects turns newest first while they fit ``budget`` (estimated tokens).

    Whole turns only, and the first turn that does not fit closes the window, so the
    conversation the model sees is the newest stretch with no holes in it.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.closed = False
        self._newest_first: list[Turn] = []

    def offer(self, turn: Turn) -> bool:
        """Take ``turn`` (older than every turn taken so far) if it fits; False once full."""
        if self.closed:
            return False
        cost = estimate_tokens(turn)
        if self.used + cost > self.budget:
            self.closed = True
            return False
        self._newest_first.append(turn)
        self.used += cost
        return True

    def turns(self) -> list[Turn]:
        """Oldest first, the order a model reads a conversation in."""
        return self._newest_first[::-1]


def fit_to_budget(newest_first: Iterable[Turn], budget: int) -> list[Turn]:
    window = ContextWindow(budget)
    for turn in newest_first:
        if not window.offer(turn):
            break
    return window.turns()
