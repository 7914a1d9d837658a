"""Share links: a frozen copy of a chat that anybody with the link can read, and copy into
a chat of their own. The owner lists and revokes them; a revoked link is gone at once
(nothing keeps a copy of a share outside the database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import Clock, IdGenerator
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import Chatroom, Message
from domain.errors import NotFound, ValidationError
from domain.shares import Share, copied_message, is_share_id, new_share_id

# The newest of one person's links that are listed.
MAX_LISTED_SHARES = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class SharePolicy:
    # Where links point: the deployment's public address.
    base_url: str

    def url_of(self, share: Share) -> str:
        return f"{self.base_url}/s/{share.id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareLink:
    share: Share
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareChatroomCommand:
    principal: Principal
    chatroom_id: str
    # The last message shared (of the branch shown); None: all of it.
    up_to_message_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareChatroom:
    """Freeze the branch shown, up to a message, behind a new unguessable link."""

    uow: UnitOfWorkFactory
    clock: Clock
    policy: SharePolicy

    async def execute(self, command: ShareChatroomCommand) -> ShareLink:
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            if chatroom.temporary:
                raise ValidationError.for_field("chatroom_id", "a temporary chat cannot be shared")
            branch = await self._branch(uow, chatroom, command.up_to_message_id)
            share = Share.snapshot(id=new_share_id(), chatroom=chatroom, branch=branch, now=self.clock.now())
            await uow.shares.add(share)
            await uow.commit()
        return ShareLink(share=share, url=self.policy.url_of(share))

    @staticmethod
    async def _branch(uow: UnitOfWork, chatroom: Chatroom, up_to: str | None) -> list[Message]:
        """Oldest first, ending at ``up_to`` (a message of this chat) or the branch's end."""
        leaf = up_to or chatroom.active_leaf_id
        branch = await uow.messages.list_branch(chatroom.id, leaf_id=leaf, limit=None) if leaf else []
        if up_to is not None and not branch:
            raise ValidationError.for_field("up_to_message_id", "must be a message of this chatroom")
        return list(reversed(branch))


@dataclass(frozen=True, slots=True, kw_only=True)
class ListShares:
    uow: UnitOfWorkFactory
    policy: SharePolicy

    async def execute(self, principal: Principal) -> Sequence[ShareLink]:
        async with self.uow() as uow:
            shares = await uow.shares.list_for(principal.user_id, limit=MAX_LISTED_SHARES)
        return [ShareLink(share=share, url=self.policy.url_of(share)) for share in shares]


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeShare:
    uow: UnitOfWorkFactory

    async def execute(self, principal: Principal, share_id: str) -> None:
        async with self.uow() as uow:
            share = await uow.shares.get_owned(share_id, principal.user_id) if is_share_id(share_id) else None
            if share is None:
                raise NotFound("Share not found.")
            await uow.shares.delete(share)
            await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenShare:
    """A shared chat, for anybody with its link."""

    uow: UnitOfWorkFactory

    async def execute(self, share_id: str) -> Share:
        async with self.uow() as uow:
            share = await uow.shares.get(share_id) if is_share_id(share_id) else None
        if share is None:
            raise NotFound("This link does not exist, or its owner stopped sharing it.")
        return share


@dataclass(frozen=True, slots=True, kw_only=True)
class CopySharedChat:
    """Go on with a shared conversation: a new chat of the caller's holding a copy of it.
    Nothing is asked of the model, and nothing is counted."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator

    async def execute(self, principal: Principal, share_id: str) -> Chatroom:
        now = self.clock.now()
        async with self.uow() as uow:
            share = await uow.shares.get(share_id) if is_share_id(share_id) else None
            if share is None:
                raise NotFound("This link does not exist, or its owner stopped sharing it.")
            chatroom = Chatroom.open(id=self.ids.new_id(), owner_id=principal.user_id, title=share.title, now=now)
            messages: list[Message] = []
            for shared in share.messages:
                after = messages[-1] if messages else None
                messages.append(
                    copied_message(shared, id=self.ids.new_id(), chatroom_id=chatroom.id, after=after, now=now)
                )
            chatroom.active_leaf_id = messages[-1].id
            await uow.chatrooms.add(chatroom)
            await uow.messages.add_all(messages)
            await uow.commit()
        return chatroom
