from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, BinaryIO, Protocol

from domain.chat import FinishReason, TokenUsage
from domain.context import Prompt, Turn
from domain.models import ModelOffer
from domain.otp import CodeNotice, OtpPurpose
from domain.subscriptions import SubscriptionSnapshot
from domain.uploads import InspectedFile
from domain.users import MobileNumber


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new unique id; ids made later by one generator sort after earlier ones."""


class PasswordHasher(Protocol):
    """Deliberately slow hashing, done off the event loop. Each method raises
    DependencyUnavailable (with a retry delay) when too much hashing is already waiting."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str, password: str) -> bool: ...
    async def burn_time(self) -> None:
        """Spend the time one verification takes, so an unknown number answers as slowly
        as a known one with a wrong password."""


class OtpHasher(Protocol):
    def hash(self, code: str, *, challenge_id: str) -> str: ...
    def matches(self, code: str, *, code_hash: str, challenge_id: str) -> bool:
        """Constant-time comparison."""


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_jti: str
    refresh_expires_at: datetime


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    session_id: str


@dataclass(frozen=True, slots=True)
class RefreshClaims:
    user_id: str
    session_id: str
    jti: str


class TokenService(Protocol):
    def issue(self, *, user_id: str, session_id: str, now: datetime) -> IssuedTokens: ...
    def read_access(self, token: str) -> AccessClaims:
        """Raises Unauthenticated for anything but a valid, unexpired access token."""

    def read_refresh(self, token: str) -> RefreshClaims:
        """Raises Unauthenticated for anything but a valid, unexpired refresh token."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeDelivery:
    """A code on its way to a number: ``text`` is the message to send as is; the other
    fields are there for gateways that write their own."""

    mobile_number: MobileNumber
    code: str
    purpose: OtpPurpose
    notice: CodeNotice
    text: str
    expires_in: int


class OtpSender(Protocol):
    async def send(self, delivery: CodeDelivery) -> str | None:
        """Deliver the code; return it only when the delivery channel is the API response
        itself (development), else None. Raises DependencyUnavailable when the gateway
        is down or refuses our credentials; a number it cannot reach is logged, not
        raised, so the answer stays the same for every number."""


class RateLimiter(Protocol):
    """Counters shared by every process. Each method raises DependencyUnavailable when
    the counters cannot be consulted: a security throttle then refuses (fails closed),
    a mere brake may decide to let the request through."""

    async def hit(self, key: str, *, limit: int, window: timedelta) -> int | None:
        """Count one hit on ``key``; return None when within ``limit`` per ``window``,
        else the seconds until the next hit would be allowed."""

    async def clear(self, key: str) -> None: ...

    async def occupy(self, key: str, holder: str, *, limit: int, ttl: timedelta) -> bool:
        """Take (or renew) one of ``limit`` slots under ``key`` for ``holder``; False when
        all are taken by others. A slot not renewed within ``ttl`` frees itself, so a
        holder that died without ``vacate`` does not keep it."""

    async def vacate(self, key: str, holder: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ReplyJob:
    reply_id: str
    request_id: str | None = None


class JobQueue(Protocol):
    async def enqueue_reply(self, job: ReplyJob) -> None:
        """Raises DependencyUnavailable when the queue cannot take the job."""

    async def enqueue_export(self, export_id: str) -> None:
        """Have a worker write the export's archive; raises DependencyUnavailable."""

    async def depth(self) -> int:
        """Jobs waiting to be run (not counting those running); -1 when unknown."""


@dataclass(frozen=True, slots=True)
class ModelChunk:
    text: str
    usage: TokenUsage | None = None
    # Set on the piece that ends the answer: the model finished (STOP) or hit its
    # output limit (LENGTH).
    finish_reason: FinishReason | None = None


class LanguageModelError(Exception):
    """A model call that failed. ``transient`` errors are worth retrying (after
    ``retry_after`` seconds when the service said so); the rest are final. ``reason`` is
    safe to show to the user: it never holds the upstream body or a key."""

    def __init__(self, reason: str, *, transient: bool, kind: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.kind = kind
        self.retry_after = retry_after


class LanguageModel(Protocol):
    def stream_reply(self, prompt: Prompt) -> AsyncIterator[ModelChunk]:
        """The reply to the prompt's conversation, written by the prompt's model and
        following its system instruction and temperature exactly as given, as pieces of
        new text; the last piece may carry the usage. Raises LanguageModelError."""

    async def suggest_title(self, turns: Sequence[Turn], model: ModelOffer | None = None) -> str:
        """A short title for a conversation, written by ``model``. Raises LanguageModelError."""


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    session_id: str
    url: str


class PaymentEventKind(StrEnum):
    CHECKOUT_COMPLETED = "checkout_completed"
    SUBSCRIPTION_CHANGED = "subscription_changed"
    INVOICE_SETTLED = "invoice_settled"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A verified provider event, reduced to what our rules need."""

    id: str
    type: str
    kind: PaymentEventKind
    created: datetime
    user_id: str | None = None
    customer_id: str | None = None
    subscription_id: str | None = None
    # The subscription as the event describes it; None when the event only names it.
    subscription: SubscriptionSnapshot | None = None


@dataclass(frozen=True, slots=True)
class FetchedSubscription:
    user_id: str | None
    snapshot: SubscriptionSnapshot


class PaymentGateway(Protocol):
    async def create_customer(self, *, user_id: str, mobile_number: MobileNumber) -> str: ...
    async def create_checkout(self, *, customer_id: str, user_id: str) -> CheckoutSession: ...
    async def create_portal(self, *, customer_id: str) -> str: ...
    async def cancel_subscription(self, subscription_id: str) -> None:
        """End it now, without charging again. One the provider no longer has counts
        as cancelled."""

    async def fetch_subscription(self, subscription_id: str, *, as_of: datetime) -> FetchedSubscription:
        """The subscription as the provider has it now, dated ``as_of``: the time of the
        provider's event that made us ask (events are ordered by the provider's clock,
        never ours)."""

    def verify_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Check the signature on the raw bytes, then parse. Raises InvalidSignature."""


@dataclass(frozen=True, slots=True)
class SignedWebhook:
    """A webhook delivery as the provider sends it: the raw body and its signature header."""

    payload: bytes
    signature: str


class CheckoutSimulator(Protocol):
    """Development only: plays the person paying on the provider's checkout page."""

    def complete_checkout(self, session_id: str) -> list[SignedWebhook]: ...


class ReplyEventKind(StrEnum):
    CHUNK = "chunk"
    DONE = "done"
    ERROR = "error"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ReplyEvent:
    """One step of a reply being written.

    ``offset`` is the length of the reply text once this event is applied, within
    generation ``attempt``; together they say exactly where a reader is, whatever
    stores the events, so a reader can resume from them or from the stored message.
    """

    kind: ReplyEventKind
    attempt: int
    offset: int
    text: str = ""
    error: str | None = None

    @property
    def is_final(self) -> bool:
        return self.kind is not ReplyEventKind.CHUNK


class ReplyEventStream(Protocol):
    async def publish(self, reply_id: str, event: ReplyEvent) -> None: ...
    def follow(self, reply_id: str, *, idle_timeout: float) -> AsyncGenerator[ReplyEvent | None, None]:
        """Every event of the reply from the first, then new ones as they come; yields
        None after ``idle_timeout`` seconds without one. Ends only when the caller stops."""


class ReplyCancellations(Protocol):
    """Asks to stop replies, across processes: the API asks, the worker writing the
    reply (now or after a restart) stops."""

    async def request(self, reply_id: str) -> None:
        """Raises DependencyUnavailable when the request cannot be passed on."""

    async def wait(self, reply_id: str) -> None:
        """Return once stopping the reply has been asked for (also if asked before the
        call). Never raises for a backing service that is down: it keeps asking."""


class FileStore(Protocol):
    """The bytes of uploaded files, by keys this service makes (``domain.files``): the
    local disk or an S3-compatible object store."""

    async def put(self, key: str, source: BinaryIO, *, size: int, content_type: str) -> None:
        """Store ``size`` bytes read from ``source`` (from its current position) under
        ``key``, replacing what was there; readers never see a half-written file."""

    def read(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes, a piece at a time. Raises NotFound when nothing is stored."""

    async def delete(self, key: str) -> None:
        """Forget the file; nothing stored under ``key`` is nothing to do."""

    async def keys(self, prefix: str = "") -> list[str]:
        """Every key stored under ``prefix`` (for sweeping and for checks), sorted."""


class FileInspector(Protocol):
    async def inspect(self, source: BinaryIO, *, size: int, filename: str | None) -> tuple[InspectedFile, BinaryIO]:
        """What the file is, decided by its bytes, and the bytes to keep (an image rewritten
        without its metadata). Raises UnsupportedMediaType for anything not taken."""


class ArchiveWriter(Protocol):
    """One archive being written, entry after entry (one entry open at a time)."""

    async def write_lines(self, name: str, records: AsyncIterator[Any]) -> int:
        """An entry of JSON Lines, one record (a JSON value) a line; how many were written."""

    async def write_document(self, name: str, record: Any) -> None:
        """An entry holding one JSON document."""

    async def write_file(self, name: str, chunks: AsyncIterator[bytes]) -> None: ...
    async def finish(self) -> tuple[BinaryIO, int]:
        """The whole archive, positioned at its start, and its size."""

    def discard(self) -> None:
        """Throw away what was written (the export failed)."""


class ImportedArchive(Protocol):
    """An archive or document somebody brought to import, opened."""

    def names(self) -> set[str]:
        """Its entries' names (a lone JSON document is one entry named ``conversations.json``)."""

    def document(self, name: str) -> Any:
        """The entry as one JSON value. Raises ValidationError when it is not JSON."""

    def lines(self, name: str) -> Iterator[Any]:
        """The entry as JSON Lines, a value a line; lines that are not JSON are skipped."""

    def file(self, name: str, *, max_bytes: int) -> BinaryIO | None:
        """The entry's bytes (None when absent or larger than ``max_bytes``)."""


class Archives(Protocol):
    def writer(self) -> ArchiveWriter: ...
    def open(self, source: BinaryIO, *, size: int) -> ImportedArchive:
        """Raises ValidationError when it is neither an archive nor a JSON document, or
        would unpack to more than this service reads."""


class DependencyProbe(Protocol):
    """One backing service, asked whether it answers (for readiness checks)."""

    name: str

    async def ping(self) -> bool: ...


class Telemetry(Protocol):
    """What the service counts and times, for operators (Prometheus in production)."""

    def reply_finished(
        self, *, outcome: str, seconds: float, first_chunk_seconds: float | None, usage: TokenUsage | None
    ) -> None: ...
    def model_error(self, kind: str) -> None: ...
    def payment_event(self, event_type: str, outcome: str) -> None: ...
    def reply_rated(self, *, model: str, rating: str) -> None: ...
