"""Imports: chats brought from elsewhere (an export of this service, or ChatGPT's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import (
    Archives,
    Clock,
    FileInspector,
    FileStore,
    IdGenerator,
    ImportedArchive,
    RateLimiter,
)
from application.services.daily_limits import spend_one_today
from application.use_cases.authenticate import Principal
from domain.archives import (
    CHATROOMS,
    MANIFEST,
    MESSAGES,
    ImportedChat,
    chats_from_archive,
    chats_from_chatgpt,
    imported_messages,
)
from domain.chat import Chatroom
from domain.errors import UnsupportedMediaType, ValidationError
from domain.instructions import clean_chat_instruction
from domain.uploads import UPLOAD_CEILING_BYTES, Attachment, Upload

CHATGPT_CONVERSATIONS = "conversations.json"
# Largest archive or document taken at once.
IMPORT_MAX_BYTES = 512 * 1024 * 1024
IMPORTS_PER_DAY = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportChatsCommand:
    principal: Principal
    source: BinaryIO
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedChats:
    chatrooms: Sequence[Chatroom]
    messages: int
    files: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportChats:
    """Add the chats of an archive to the caller's own, as new chats (new ids: nothing in
    the file names anything of ours). Every branch comes along; files are checked as
    uploads are and kept as the caller's. Nothing is asked of a model, nothing counted.
    All or nothing: one transaction."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    archives: Archives
    files: FileStore
    inspector: FileInspector
    limiter: RateLimiter

    async def execute(self, command: ImportChatsCommand) -> ImportedChats:
        await spend_one_today(
            self.limiter,
            what="imports",
            user_id=command.principal.user_id,
            allowed=IMPORTS_PER_DAY,
            now=self.clock.now(),
        )
        archive = self.archives.open(command.source, size=command.size)
        chats = self._chats(archive)
        uploads, by_path = await self._store_files(archive, chats, command.principal.user_id)
        try:
            return await self._save(chats, uploads, by_path, command.principal.user_id)
        except BaseException:
            for upload in uploads:
                await self.files.delete(upload.storage_key)
            raise

    def _chats(self, archive: ImportedArchive) -> list[ImportedChat]:
        names = archive.names()
        now = self.clock.now()
        if MANIFEST in names:
            chats = chats_from_archive(
                archive.document(MANIFEST), archive.lines(CHATROOMS), archive.lines(MESSAGES), now=now
            )
        elif CHATGPT_CONVERSATIONS in names:
            chats = chats_from_chatgpt(archive.document(CHATGPT_CONVERSATIONS), now=now)
        else:
            raise ValidationError.for_field(
                "file", "is neither an export of this service nor a ChatGPT export (conversations.json)"
            )
        if not any(chat.messages for chat in chats):
            raise ValidationError.for_field("file", "holds no messages to import")
        return chats

    async def _store_files(
        self, archive: ImportedArchive, chats: Sequence[ImportedChat], owner_id: str
    ) -> tuple[list[Upload], dict[str, Attachment]]:
        """Each file the messages name, as a new upload of the owner's; one that is not
        there, too large or not a kind taken is named in its message instead."""
        named = {f.path: f.filename for chat in chats for message in chat.messages for f in message.files}
        uploads: list[Upload] = []
        by_path: dict[str, Attachment] = {}
        try:
            for path, filename in named.items():
                source = archive.file(path, max_bytes=UPLOAD_CEILING_BYTES)
                if source is None:
                    continue
                size = source.seek(0, 2)
                source.seek(0)
                try:
                    inspected, data = await self.inspector.inspect(source, size=size, filename=filename)
                except UnsupportedMediaType:
                    continue
                upload = Upload.accept(
                    id=self.ids.new_id(), owner_id=owner_id, filename=filename, file=inspected, now=self.clock.now()
                )
                await self.files.put(
                    upload.storage_key, data, size=inspected.size_bytes, content_type=inspected.mime_type
                )
                uploads.append(upload)
                by_path[path] = upload.as_attachment()
        except BaseException:
            for upload in uploads:
                await self.files.delete(upload.storage_key)
            raise
        return uploads, by_path

    async def _save(
        self, chats: Sequence[ImportedChat], uploads: Sequence[Upload], by_path: dict[str, Attachment], owner_id: str
    ) -> ImportedChats:
        now = self.clock.now()
        chatrooms = []
        count = 0
        async with self.uow() as uow:
            for upload in uploads:
                await uow.uploads.add(upload)
            for chat in chats:
                chatroom = Chatroom.open(id=self.ids.new_id(), owner_id=owner_id, title=chat.title, now=chat.created_at)
                chatroom.system_instruction = clean_chat_instruction(chat.system_instruction)
                messages, leaf = imported_messages(
                    chat, chatroom_id=chatroom.id, new_id=self.ids.new_id, files=by_path, now=now
                )
                chatroom.active_leaf_id = leaf
                chatroom.pinned, chatroom.archived = chat.pinned, chat.archived
                chatroom.updated_at = max((m.created_at for m in messages), default=chat.created_at)
                await uow.chatrooms.add(chatroom)
                await uow.messages.add_all(messages)
                for message in messages:
                    if message.attachments:
                        await uow.uploads.mark_sent([a.id for a in message.attachments], message.id)
                chatrooms.append(chatroom)
                count += len(messages)
            await uow.commit()
        return ImportedChats(chatrooms=chatrooms, messages=count, files=len(uploads))
