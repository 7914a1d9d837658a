from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from application.ports.repositories import UnitOfWork
from application.ports.services import IdGenerator
from application.services.plans import plan_of
from application.services.reply_requests import Exchange, ReplyRequest, ReplyRequests, RequestedReply
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, Message
from domain.errors import NotFound, ValidationError
from domain.models import ModelCatalogue
from domain.uploads import Attachment


class Follow(Enum):
    """Where a message goes when the client does not say: after the branch shown."""

    ACTIVE_BRANCH = "active_branch"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessageCommand:
    principal: Principal
    chatroom_id: str
    content: str
    # Uploads of the sender's to send with it, in order.
    attachment_ids: Sequence[str] = ()
    # The reply this message follows. Another than the branch's end is an edit: the
    # message becomes a new version of the one that followed it there. None puts a
    # new version of the first message.
    parent_id: str | Follow | None = Follow.ACTIVE_BRANCH
    idempotency_key: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage:
    """Accept a user's message, or an edit of one, and queue the model's reply."""

    requests: ReplyRequests
    ids: IdGenerator
    models: ModelCatalogue

    async def execute(self, command: SendMessageCommand) -> RequestedReply:
        async def ask(uow: UnitOfWork, chatroom: Chatroom, now: datetime) -> Exchange:
            after = await self._parent(uow, chatroom, command.parent_id)
            attachments = await self._attachments(uow, chatroom, command.attachment_ids)
            question = Message.from_user(
                id=self.ids.new_id(),
                chatroom_id=chatroom.id,
                content=command.content,
                now=now,
                after=after,
                attachments=attachments,
            )
            await uow.uploads.mark_sent([a.id for a in attachments], question.id)
            return Exchange(question=question, reply=Message.pending_reply(id=self.ids.new_id(), to=question, now=now))

        return await self.requests.request(
            ReplyRequest(
                principal=command.principal,
                chatroom_id=command.chatroom_id,
                ask=ask,
                idempotency_key=command.idempotency_key,
                request_id=command.request_id,
            )
        )

    async def _attachments(
        self, uow: UnitOfWork, chatroom: Chatroom, upload_ids: Sequence[str]
    ) -> tuple[Attachment, ...]:
        """The sender's uploads, locked until the message is saved (so none is deleted
        under it), that the model answering the chat can read."""
        if not upload_ids:
            return ()
        found = {u.id: u for u in await uow.uploads.owned(upload_ids, chatroom.owner_id, for_update=True)}
        if any(upload_id not in found for upload_id in upload_ids):
            raise NotFound("Upload not found.")
        uploads = [found[upload_id] for upload_id in upload_ids]
        model = self.models.effective(chatroom.model, await plan_of(uow, chatroom.owner_id))
        model.check_reads(u.kind for u in uploads)
        return tuple(u.as_attachment() for u in uploads)

    @staticmethod
    async def _parent(uow: UnitOfWork, chatroom: Chatroom, parent_id: str | Follow | None) -> Message | None:
        if parent_id is Follow.ACTIVE_BRANCH:
            parent_id = chatroom.active_leaf_id
        if parent_id is None:
            return None
        parent = await uow.messages.get_in_chatroom(chatroom.id, parent_id)
        if parent is None:
            raise ValidationError.for_field("parent_id", "must be a model reply in this chatroom")
        return parent
