from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence

from application.ports.services import LanguageModelError, ModelChunk
from domain.chat import FinishReason, TokenUsage
from domain.context import Prompt, Turn, estimate_tokens
from domain.models import ModelOffer
from domain.uploads import Attachment, UploadKind

_QUOTE_LIMIT = 80


_REMEMBERED = 100


class FakeLanguageModel:
    """A deterministic stand-in for a real model, for development and tests.

    The reply says which files came with the last user turn ("I see 1 image, PNG 640×480,
    and a 3-page PDF."), quotes its words, names the model asked for, and arrives in ``chunks`` pieces, the first
    after ``first_chunk_delay`` seconds and the rest ``chunk_delay`` apart, like a real
    streamed answer. ``fail_next`` makes the next calls raise a given error; a message holding ``[[length]]``
    gets an answer cut off at the output limit, and one holding ``[[busy once]]`` is
    refused as busy (a transient error) the first time it is asked, after its first chunk:
    what a worker in another process can be made to retry.
    """

    def __init__(self, *, chunks: int = 6, chunk_delay: float = 0.05, first_chunk_delay: float | None = None) -> None:
        self.chunks = max(1, chunks)
        self.chunk_delay = chunk_delay
        self.first_chunk_delay = chunk_delay if first_chunk_delay is None else first_chunk_delay
        # What it was asked, the newest first to go: tests read the last calls, and a
        # worker of `make run` or the bench writing replies for hours must not grow.
        self.calls: deque[list[Turn]] = deque(maxlen=_REMEMBERED)
        self.prompts: deque[Prompt] = deque(maxlen=_REMEMBERED)
        self.titles_by: deque[ModelOffer | None] = deque(maxlen=_REMEMBERED)
        self._failures: deque[LanguageModelError] = deque()
        self._refused_once: deque[str] = deque(maxlen=_REMEMBERED)

    def fail_next(self, error: LanguageModelError, times: int = 1) -> None:
        self._failures.extend([error] * times)

    @staticmethod
    def reply_to(turns: Sequence[Turn], model: ModelOffer | None = None) -> str:
        asked = turns[-1].text if turns else ""
        quote = asked if len(asked) <= _QUOTE_LIMIT else asked[: _QUOTE_LIMIT - 1] + "…"
        seen = acknowledgement(turns[-1].attachments) if turns else ""
        return (
            f'{seen}You said: "{quote}". This is {model.id if model else "the fake model"} answering turn {len(turns)}'
            " of this conversation, written in a few pieces so you can watch the reply stream in."
        )

    async def stream_reply(self, prompt: Prompt) -> AsyncIterator[ModelChunk]:
        turns = prompt.turns
        self.calls.append(list(turns))
        self.prompts.append(prompt)
        if self._failures:
            raise self._failures.popleft()
        text = self.reply_to(turns, prompt.model)
        asked = turns[-1].text if turns else ""
        size = -(-len(text) // self.chunks)
        for index, start in enumerate(range(0, len(text), size)):
            await asyncio.sleep(self.first_chunk_delay if index == 0 else self.chunk_delay)
            yield ModelChunk(text=text[start : start + size])
            if "[[busy once]]" in asked and asked not in self._refused_once:
                self._refused_once.append(asked)
                raise LanguageModelError("The model is busy.", transient=True, kind="busy", retry_after=0.2)
        yield ModelChunk(
            text="",
            finish_reason=FinishReason.LENGTH if "[[length]]" in asked else FinishReason.STOP,
            usage=TokenUsage(
                prompt_tokens=sum(estimate_tokens(turn) for turn in turns),
                response_tokens=estimate_tokens(Turn(turns[-1].role, text)) if turns else 0,
            ),
        )

    async def suggest_title(self, turns: Sequence[Turn], model: ModelOffer | None = None) -> str:
        self.titles_by.append(model)
        if self._failures:
            raise self._failures.popleft()
        words = turns[0].text.split()[:5] if turns else []
        return " ".join(words).capitalize() or "Conversation"


def acknowledgement(attachments: Sequence[Attachment]) -> str:
    """ "I see 2 images, PNG 640×480 and JPEG 10×10, and a 3-page PDF. " (empty without files)."""
    if not attachments:
        return ""
    images = [a for a in attachments if a.kind is UploadKind.IMAGE]
    said = []
    if images:
        sizes = [f"{a.format} {a.width}×{a.height}" for a in images]
        said.append(f"{len(images)} image{'s' if len(images) > 1 else ''}, {_listed(sizes)}")
    said += [f"a {a.pages}-page PDF" for a in attachments if a.kind is UploadKind.PDF]
    said += [f"a text file, {a.filename}" for a in attachments if a.kind is UploadKind.TEXT]
    return f"I see {_listed(said, last=', and ' if images and len(said) > 1 else ' and ')}. "


def _listed(items: list[str], last: str = " and ") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + last + items[-1]
