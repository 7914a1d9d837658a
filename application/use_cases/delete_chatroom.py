from __future__ import annotations

from dataclasses import dataclass

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import FileStore
from application.services.file_removal import delete_files
from application.services.ownership import owned_chatroom
from application.use_cases.authenticate import Principal


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
            carried = await uow.uploads.attached_in_chatroom(chatroom.id)
            await uow.chatrooms.delete(chatroom)
            gone = await uow.uploads.delete_unattached(carried)
            await uow.commit()
        await delete_files(self.uow, self.files, [upload.storage_key for upload in gone])
