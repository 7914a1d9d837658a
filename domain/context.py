"""Which part of a conversation the model gets to see."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from domain.chat import MessageRole
from domain.models import ModelOffer
from domain.uploads import Attachment, UploadKind

# A turn costs its text plus the role and framing the wire format adds around it.
TURN_OVERHEAD_TOKENS = 4
CHARS_PER_TOKEN = 4
# Gemini's published costs: an image with both sides at most 384 pixels is 258 tokens;
# a larger one is cut into 768×768 tiles of 258 tokens each; a PDF page is 258 tokens.
TOKENS_PER_TILE = 258
SMALL_IMAGE_SIDE = 384
TILE_SIDE = 768
TOKENS_PER_PDF_PAGE = 258
# What the note of files left out of an old turn may cost.
LEFT_OUT_NOTE_TOKENS = 64


@dataclass(frozen=True, slots=True)
class Turn:
    role: MessageRole
    text: str
    attachments: tuple[Attachment, ...] = ()


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
    return (
        math.ceil(len(turn.text) / CHARS_PER_TOKEN)
        + TURN_OVERHEAD_TOKENS
        + sum(attachment_tokens(a) for a in turn.attachments)
    )


def attachment_tokens(attachment: Attachment) -> int:
    """What a file costs the model to read (a text file: as much as its text)."""
    if attachment.kind is UploadKind.IMAGE:
        width, height = attachment.width or TILE_SIDE, attachment.height or TILE_SIDE
        if width <= SMALL_IMAGE_SIDE and height <= SMALL_IMAGE_SIDE:
            return TOKENS_PER_TILE
        return math.ceil(width / TILE_SIDE) * math.ceil(height / TILE_SIDE) * TOKENS_PER_TILE
    if attachment.kind is UploadKind.PDF:
        return max(1, attachment.pages or 1) * TOKENS_PER_PDF_PAGE
    return math.ceil(attachment.size_bytes / CHARS_PER_TOKEN)


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
        """Take ``turn`` (older than every turn taken so far) if it fits; False once full.

        The newest turn is taken whole or not at all (the question is never cut short).
        An older turn whose words fit but whose files do not all fit is taken with those
        that do, in the order sent, and a note of those left out: an old file is left
        out like an old turn, and the words around it stay."""
        if self.closed:
            return False
        if self._newest_first and turn.attachments:
            turn = self._with_fitting_files(turn)
        cost = estimate_tokens(turn)
        if self.used + cost > self.budget:
            self.closed = True
            return False
        self._newest_first.append(turn)
        self.used += cost
        return True

    def _with_fitting_files(self, turn: Turn) -> Turn:
        room = self.budget - self.used - estimate_tokens(Turn(turn.role, turn.text)) - LEFT_OUT_NOTE_TOKENS
        kept: list[Attachment] = []
        left_out: list[str] = []
        for attachment in turn.attachments:
            cost = attachment_tokens(attachment)
            if cost <= room:
                kept.append(attachment)
                room -= cost
            else:
                left_out.append(attachment.filename)
        if not left_out:
            return turn
        note = f"[{', '.join(left_out)}: sent earlier, no longer shown]"
        return Turn(turn.role, f"{turn.text}\n{note}".strip(), tuple(kept))

    def turns(self) -> list[Turn]:
        """Oldest first, the order a model reads a conversation in."""
        return self._newest_first[::-1]


def fit_to_budget(newest_first: Iterable[Turn], budget: int) -> list[Turn]:
    window = ContextWindow(budget)
    for turn in newest_first:
        if not window.offer(turn):
            break
    return window.turns()
