from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from domain.chat import Chatroom, ContextMessage, Message, PlacedMessage, TokenUsage
from domain.exports import Export
from domain.gems import Gem
from domain.instructions import PersonalInstructions
from domain.otp import OtpChallenge, OtpPurpose
from domain.quota import ModelUsage
from domain.search import SearchHit
from domain.sessions import AuthSession
from domain.shares import Share
from domain.subscriptions import Subscription
from domain.uploads import Upload
from domain.users import MobileNumber, Tier, User


@dataclass(frozen=True, slots=True)
class Position:
    """Where a keyset page starts: items strictly before (or after) this sort key."""

    at: datetime
    id: str
    # Lists with pinned items first: whether the item was among them.
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class RoomAndOwner:
    """A chatroom with what its owner's replies are written under."""

    chatroom: Chatroom
    # Basic for an owner who no longer exists.
    plan: Tier
    instructions: PersonalInstructions


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises Conflict when the mobile number is taken."""

    async def get(self, user_id: str, *, for_update: bool = False) -> User | None:
        """``for_update`` locks the user until the unit of work ends: payment events for
        one user are applied one after another."""

    async def get_by_mobile(self, mobile_number: MobileNumber) -> User | None: ...
    async def update(self, user: User) -> None: ...
    async def delete(self, user: User) -> None:
        """Delete the user and everything of theirs: sessions, chatrooms with their
        messages, share links, gems, instructions, usage counts, subscriptions, the
        payment customer's link. Their uploads' and exports' files are to be deleted
        first (``UploadRepository.delete_all_of``, ``ExportRepository.delete_all_of``)."""


class OtpChallengeRepository(Protocol):
    async def replace(self, challenge: OtpChallenge) -> None:
        """Store the challenge as *the* one for its (number, purpose), voiding any older one."""

    async def get(
        self, mobile_number: MobileNumber, purpose: OtpPurpose, *, for_update: bool = False
    ) -> OtpChallenge | None:
        """``for_update`` locks the challenge until the unit of work ends."""

    async def update(self, challenge: OtpChallenge) -> None: ...
    async def delete_all_for(self, mobile_number: MobileNumber) -> None:
        """Forget the number's challenges, whatever their purpose."""


class SessionRepository(Protocol):
    async def add(self, session: AuthSession) -> None: ...
    async def get(self, session_id: str, *, for_update: bool = False) -> AuthSession | None:
        """``for_update`` locks the session until the unit of work ends, so two refreshes
        with one token cannot both rotate it."""

    async def update(self, session: AuthSession) -> None: ...
    async def revoke_all_for_user(self, user_id: str, now: datetime) -> None: ...


class ChatroomRepository(Protocol):
    async def add(self, chatroom: Chatroom) -> None: ...
    async def get(self, chatroom_id: str, *, for_update: bool = False) -> Chatroom | None:
        """For the worker, which acts for the owner; requests use ``get_owned``.
        ``for_update`` locks the row until the unit of work ends."""

    async def get_owned(self, chatroom_id: str, owner_id: str, *, for_update: bool = False) -> Chatroom | None:
        """The chatroom, or None when it does not exist *or* belongs to somebody else.
        ``for_update`` locks the row: writers of the active branch take turns."""

    async def get_with_owner(self, chatroom_id: str) -> RoomAndOwner | None:
        """For the worker, as a reply starts: the room, its owner's plan and standing
        instructions, read together (one round trip where the store allows)."""

    async def list_by_activity(
        self, owner_id: str, *, limit: int, before: Position | None, archived: bool = False
    ) -> Sequence[Chatroom]:
        """The archived rooms or the others, never the temporary ones: pinned first, then
        newest ``updated_at`` first; strictly after ``before`` in that order."""

    async def list_expired_temporary(self, *, inactive_since: datetime, limit: int) -> Sequence[Chatroom]:
        """Temporary rooms with no activity since ``inactive_since``, whoever owns them."""

    async def update(self, chatroom: Chatroom) -> None: ...
    async def touch(self, chatroom: Chatroom, at: datetime, *, active_leaf_id: str | None = None) -> None:
        """Record activity: move ``updated_at`` forward to ``at`` and, when given, show the
        branch ending at ``active_leaf_id``; nothing else changes, so a send never
        overwrites a title another transaction just wrote."""

    async def delete(self, chatroom: Chatroom) -> None:
        """Delete the chatroom and its messages."""

    async def list_all_of(self, owner_id: str) -> Sequence[Chatroom]:
        """Every chatroom of the owner (archived and temporary ones too), oldest first."""


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None: ...
    async def add_all(self, messages: Sequence[Message]) -> None:
        """Many at once (a send's question and reply, a copied conversation), parents
        before the messages that follow them. Raises Conflict, adding none, when an id
        is taken."""

    async def get(self, message_id: str, *, for_update: bool = False) -> Message | None:
        """``for_update`` locks the row until the unit of work ends."""

    async def get_in_chatroom(self, chatroom_id: str, message_id: str) -> Message | None: ...
    async def list_branch(self, chatroom_id: str, *, leaf_id: str, limit: int | None) -> Sequence[Message]:
        """The message ``leaf_id`` and the messages it follows, newest first, at most
        ``limit`` (None: back to the first). Empty when ``leaf_id`` is not in the
        chatroom. Costs an index lookup a message returned, however large the tree."""

    async def context_before(
        self, chatroom_id: str, *, leaf_id: str, limit: int, characters: int
    ) -> Sequence[ContextMessage]:
        """``list_branch`` as a model's context reads it, and none past the message whose
        content brings what was read to ``characters`` characters."""

    async def page_of_branch(self, chatroom_id: str, *, leaf_id: str, limit: int) -> Sequence[PlacedMessage]:
        """``list_branch`` with each message's place among its versions, in one read."""

    async def versions(self, chatroom_id: str, parent_ids: Collection[str | None]) -> Mapping[str | None, list[str]]:
        """For each parent (None: the room's first messages), the ids of the messages
        that follow it, oldest first."""

    async def newest_leaf(self, chatroom_id: str, message_id: str) -> str:
        """The end of the branch through ``message_id`` that follows, at every step,
        the newest message."""

    async def all_in(self, chatroom_id: str) -> Sequence[Message]:
        """Every message of the chatroom, of every branch, oldest first."""

    async def update(self, message: Message) -> None: ...
    async def list_failed_since(self, since: datetime, *, limit: int) -> Sequence[str]:
        """Ids of model replies that failed, created at or after ``since``, oldest first."""

    async def count_unfinished_replies(self, owner_id: str) -> int:
        """Replies still pending or being written, in all of one owner's chatrooms."""

    async def list_stalled(self, *, pending_before: datetime, now: datetime, limit: int) -> Sequence[str]:
        """Ids of replies nobody is writing: pending since before ``pending_before``, or
        streaming with a lease that ran out by ``now``. Oldest first."""


class IdempotencyRepository(Protocol):
    async def get(self, owner_id: str, key: str) -> str | None:
        """The reply id recorded for this client key, if any."""

    async def add(self, owner_id: str, key: str, reply_id: str) -> None:
        """Raises Conflict when the key is already recorded."""


class GemRepository(Protocol):
    """A person's gems."""

    async def add(self, gem: Gem) -> None: ...
    async def get_owned(self, gem_id: str, owner_id: str) -> Gem | None:
        """None when there is no such gem or it is somebody else's."""

    async def list_for(self, owner_id: str) -> Sequence[Gem]:
        """Oldest first."""

    async def count_for(self, owner_id: str) -> int: ...
    async def update(self, gem: Gem) -> None: ...
    async def delete(self, gem: Gem) -> None: ...


class InstructionsRepository(Protocol):
    """Each person's standing instructions to the model."""

    async def of(self, user_id: str) -> PersonalInstructions:
        """Empty instructions for a person who never set any."""

    async def put(self, user_id: str, instructions: PersonalInstructions, now: datetime) -> None: ...


class CustomerRepository(Protocol):
    """Which payment-provider customer is which user: one each, both ways."""

    async def customer_of(self, user_id: str) -> str | None: ...
    async def user_of(self, customer_id: str) -> str | None: ...
    async def link(self, user_id: str, customer_id: str) -> None:
        """Raises Conflict when the user already has a customer or the customer a user."""


class SubscriptionRepository(Protocol):
    async def get(self, subscription_id: str) -> Subscription | None: ...
    async def list_for_user(self, user_id: str) -> Sequence[Subscription]: ...
    async def save(self, subscription: Subscription) -> None: ...


class ProcessedEventRepository(Protocol):
    async def add(self, event_id: str, event_type: str, processed_at: datetime) -> bool:
        """Record the event id; False when it was recorded before (a redelivery)."""


class ModelUsageLedger(Protocol):
    """Replies and tokens per person, UTC day and model, kept when chats are deleted."""

    async def record(self, user_id: str, day: date, model: str, usage: TokenUsage | None) -> None:
        """One more reply by ``model`` on ``day``, with its tokens if known."""

    async def totals(self, user_id: str, first: date, last: date) -> Sequence[ModelUsage]:
        """Per model over the days ``first`` to ``last`` (both included), by model name."""


class QuotaCounter(Protocol):
    """Messages counted per user per UTC day. Part of the unit of work, so a use case
    that fails after consuming rolls the consumption back with everything else."""

    async def try_consume(self, user_id: str, day: date, limit: int) -> int | None:
        """Count one message if fewer than ``limit`` are counted; return the new count
        or None when the limit is reached. Atomic under concurrency."""

    async def count(self, user_id: str, day: date) -> int:
        """Messages counted, also for unlimited users (their count is kept for usage)."""

    async def consume(self, user_id: str, day: date) -> int:
        """Count one message with no limit (Pro) and return the new count."""

    async def give_back(self, user_id: str, day: date) -> None: ...
    async def reset(self, user_id: str, day: date) -> None: ...


class UploadRepository(Protocol):
    """Files people uploaded (their bytes are in the FileStore)."""

    async def add(self, upload: Upload) -> None: ...
    async def get_owned(self, upload_id: str, owner_id: str, *, for_update: bool = False) -> Upload | None:
        """Somebody else's upload is None, like a missing one."""

    async def owned(self, upload_ids: Sequence[str], owner_id: str, *, for_update: bool = False) -> Sequence[Upload]:
        """Those of the listed uploads the owner has (any order); locked, they cannot be
        deleted until the transaction ends."""

    async def mark_sent(self, upload_ids: Sequence[str], message_id: str) -> None:
        """Record the first message each was sent with (the sweeper keeps them from now)."""

    async def is_attached(self, upload_id: str) -> bool:
        """Whether any message carries it (a message's attachments are saved with it)."""

    async def attached_in_chatroom(self, chatroom_id: str) -> Sequence[Upload]:
        """The uploads the chatroom's messages carry."""

    async def delete_unattached(self, uploads: Sequence[Upload]) -> Sequence[Upload]:
        """Delete those of ``uploads`` no message carries any longer (as ``delete`` does);
        return them."""

    async def delete_all_of(self, owner_id: str) -> Sequence[str]:
        """Delete every upload of the owner (as ``delete`` does); return their storage keys."""

    async def delete(self, upload: Upload) -> None:
        """Delete the record, and note in the same transaction that its bytes are to be
        deleted: a file whose deletion fails later is still known (``files_to_delete``)."""

    async def files_to_delete(self, *, limit: int) -> Sequence[str]:
        """Storage keys of deleted uploads whose bytes may still be stored, oldest first."""

    async def files_deleted(self, keys: Sequence[str]) -> None:
        """Their bytes are gone: nothing more to do for them."""

    async def list_unattached(self, *, created_before: datetime, limit: int) -> Sequence[Upload]:
        """Uploads never sent with a message, the oldest first."""


class ShareRepository(Protocol):
    """Frozen copies of chats, readable by anyone with their link."""

    async def add(self, share: Share) -> None: ...
    async def get(self, share_id: str) -> Share | None:
        """Anybody's: the link is the permission."""

    async def get_owned(self, share_id: str, owner_id: str) -> Share | None: ...
    async def list_for(self, owner_id: str, *, limit: int) -> Sequence[Share]:
        """Newest first."""

    async def delete(self, share: Share) -> None: ...


class ExportRepository(Protocol):
    """Archives of a person's chats, being written or ready to download."""

    async def add(self, export: Export) -> None: ...
    async def get(self, export_id: str) -> Export | None: ...
    async def get_owned(self, export_id: str, owner_id: str) -> Export | None:
        """Somebody else's export is None, like a missing one."""

    async def unfinished_of(self, owner_id: str) -> Export | None:
        """The owner's export still pending or being written, if any."""

    async def update(self, export: Export) -> None: ...
    async def list_expired(self, before: datetime, *, limit: int) -> Sequence[Export]:
        """Exports finished before ``before``, or never finished and asked for before it."""

    async def delete(self, export: Export) -> None:
        """Delete the record, noting its archive's bytes for deletion (as uploads do)."""

    async def delete_all_of(self, owner_id: str) -> Sequence[str]:
        """Delete every export of the owner (as ``delete`` does); their storage keys."""


class ChatSearch(Protocol):
    async def search(self, owner_id: str, query: str, *, limit: int, offset: int) -> Sequence[SearchHit]:
        """The owner's chats whose title, and messages (of every branch) whose words or
        files' names, match ``query`` (web-search syntax: every word, "a phrase",
        -left-out, this or that; case and accents as written), best first, then newest.
        Never a temporary chat's."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``async with`` block without ``commit()`` rolls back."""

    users: UserRepository
    otps: OtpChallengeRepository
    sessions: SessionRepository
    chatrooms: ChatroomRepository
    messages: MessageRepository
    instructions: InstructionsRepository
    gems: GemRepository
    uploads: UploadRepository
    search: ChatSearch
    shares: ShareRepository
    exports: ExportRepository
    idempotency: IdempotencyRepository
    customers: CustomerRepository
    subscriptions: SubscriptionRepository
    processed_events: ProcessedEventRepository
    quota: QuotaCounter
    model_usage: ModelUsageLedger

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
