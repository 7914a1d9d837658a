from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWork, UnitOfWorkFactory
from application.ports.services import Clock, FileStore
from application.services.file_removal import delete_files
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal
from domain.chat import TEMPORARY_CHAT_LIFETIME, Chatroom


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteChatroomCommand:
    principal: Principal
    chatroom_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteChatroom:
    """Delete a chatroom with its messages and the files they carried (those no message of
    another chat carries too). A reply still being written is dropped by its worker,
    which finds the message gone."""

    uow: UnitOfWorkFactory
    files: FileStore

    async def execute(self, command: DeleteChatroomCommand) -> None:
        async with self.uow() as uow:
            chatroom = await owned_chatroom(uow, chatroom_id=command.chatroom_id, owner_id=command.principal.user_id)
            keys = await removed(uow, chatroom)
            await uow.commit()
        await delete_files(self.uow, self.files, keys)


async def removed(uow: UnitOfWork, chatroom: Chatroom) -> list[str]:
    """Delete the chatroom, its messages and the uploads only they carried; the storage
    keys of those uploads, whose bytes go once the transaction is committed."""
    carried = await uow.uploads.attached_in_chatroom(chatroom.id)
    await uow.chatrooms.delete(chatroom)
    return [upload.storage_key for upload in await uow.uploads.delete_unattached(carried)]


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepTemporaryChatrooms:
    """Delete the temporary chats (with their files) a day after their last message."""

    uow: UnitOfWorkFactory
    clock: Clock
    files: FileStore
    lifetime: timedelta = TEMPORARY_CHAT_LIFETIME
    batch: int = 100

    async def execute(self) -> int:
        async with self.uow() as uow:
            expired = await uow.chatrooms.list_expired_temporary(
                inactive_since=self.clock.now() - self.lifetime, limit=self.batch
            )
            keys = [key for chatroom in expired for key in await removed(uow, chatroom)]
            await uow.commit()
        await delete_files(self.uow, self.files, keys)
        return len(expired)
