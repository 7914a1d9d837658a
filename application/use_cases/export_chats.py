"""Exports: every chat of a person, with every branch and every file its messages
carried, written by a worker into one archive the person downloads within a day."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Archives, Clock, FileStore, IdGenerator, JobQueue, RateLimiter
from application.services.daily_limits import spend_one_today
from application.services.file_reading import opened
from application.services.file_removal import delete_files
from application.use_cases.authenticate import Principal
from domain.archives import CHATROOMS, MANIFEST, MESSAGES, chatroom_record, file_path, manifest, message_record
from domain.chat import Chatroom
from domain.errors import Conflict, NotFound
from domain.exports import EXPORT_LIFETIME, Export, ExportStatus
from domain.uploads import Attachment

log = logging.getLogger(__name__)

# An export asked for this long ago and still not finished was lost (its worker died
# and the job with it): asking again starts a new one.
EXPORT_STALL = timedelta(hours=1)
EXPORTS_PER_DAY = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportState:
    export: Export
    # As of now: a ready export past its day is expired.
    status: ExportStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestExport:
    """Have a worker write an archive of every chat of the caller. While one is being
    written, asking again answers that one."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    jobs: JobQueue
    limiter: RateLimiter

    async def execute(self, principal: Principal) -> ExportState:
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked: two requests at once make one export, not two.
            await uow.users.get(principal.user_id, for_update=True)
            running = await uow.exports.unfinished_of(principal.user_id)
            if running is not None and now - running.created_at < EXPORT_STALL:
                return ExportState(export=running, status=running.status)
            await spend_one_today(
                self.limiter, what="exports", user_id=principal.user_id, allowed=EXPORTS_PER_DAY, now=now
            )
            if running is not None:
                running.fail(now)  # lost with its worker
                await uow.exports.update(running)
            export = Export.requested(id=self.ids.new_id(), owner_id=principal.user_id, now=now)
            await uow.exports.add(export)
            await uow.commit()
        try:
            await self.jobs.enqueue_export(export.id)
        except Exception:
            async with self.uow() as uow:
                await uow.exports.delete(export)
                await uow.commit()
            raise
        return ExportState(export=export, status=export.status)


@dataclass(frozen=True, slots=True, kw_only=True)
class GetExport:
    """How far the caller's export got; somebody else's is not found, like a missing one."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def execute(self, principal: Principal, export_id: str) -> ExportState:
        async with self.uow() as uow:
            export = await uow.exports.get_owned(export_id, principal.user_id)
        if export is None:
            raise NotFound("Export not found.")
        return ExportState(export=export, status=export.status_at(self.clock.now()))


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenedExport:
    export: Export
    content: AsyncIterator[bytes]


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadExport:
    """The archive, for its owner only, for a day after it was written."""

    uow: UnitOfWorkFactory
    clock: Clock
    files: FileStore

    async def execute(self, principal: Principal, export_id: str) -> OpenedExport:
        state = await GetExport(uow=self.uow, clock=self.clock).execute(principal, export_id)
        export = state.export
        if export.is_unfinished:
            raise Conflict("This export is still being written. Ask GET /exports/{id} until it is ready.")
        if state.status is not ExportStatus.READY:
            raise NotFound("This export failed or has expired. Ask for a new one.")
        return OpenedExport(export=export, content=await opened(self.files, export.storage_key))


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteExport:
    """The worker's part: write the archive, chat by chat, telling how far it got."""

    uow: UnitOfWorkFactory
    clock: Clock
    files: FileStore
    archives: Archives
    # How often, at most, the progress is saved.
    progress_every: timedelta = timedelta(seconds=1)

    async def execute(self, export_id: str) -> None:
        async with self.uow() as uow:
            export = await uow.exports.get(export_id)
            if export is None or not export.is_unfinished:
                return  # deleted meanwhile, or written already (a job delivered twice)
            # Temporary chats are not kept, so they are not taken away either.
            chatrooms = [c for c in await uow.chatrooms.list_all_of(export.owner_id) if not c.temporary]
            export.start(chatrooms=len(chatrooms))
            await uow.exports.update(export)
            await uow.commit()
        try:
            size = await self._write(export, chatrooms)
        except Exception:
            log.exception("export %s failed", export.id)
            await self._settle(export, size=None)
            return
        await self._settle(export, size=size)

    async def _write(self, export: Export, chatrooms: Sequence[Chatroom]) -> int:
        writer = self.archives.writer()
        try:
            await writer.write_lines(CHATROOMS, _each([chatroom_record(c) for c in chatrooms]))
            carried: dict[str, Attachment] = {}
            messages = await writer.write_lines(MESSAGES, self._messages(export, chatrooms, carried))
            for attachment in carried.values():
                try:
                    content = await opened(self.files, attachment.storage_key)
                except NotFound:
                    continue  # deleted with its chat while this was written
                await writer.write_file(file_path(attachment.id), content)
            await writer.write_document(
                MANIFEST, manifest(exported_at=self.clock.now(), chatrooms=len(chatrooms), messages=messages)
            )
            archive, size = await writer.finish()
        except BaseException:
            writer.discard()
            raise
        try:
            await self.files.put(export.storage_key, archive, size=size, content_type="application/zip")
        finally:
            archive.close()
        return size

    async def _messages(
        self, export: Export, chatrooms: Sequence[Chatroom], carried: dict[str, Attachment]
    ) -> AsyncIterator[object]:
        saved_at = self.clock.now()
        for done, chatroom in enumerate(chatrooms, start=1):
            async with self.uow() as uow:
                messages = await uow.messages.all_in(chatroom.id)
            for message in messages:
                carried.update((a.id, a) for a in message.attachments)
                yield message_record(message)
            if self.clock.now() - saved_at >= self.progress_every:
                saved_at = self.clock.now()
                await self._progress(export, done)

    async def _progress(self, export: Export, done: int) -> None:
        async with self.uow() as uow:
            current = await uow.exports.get(export.id)
            if current is None:
                return
            current.advance(done)
            await uow.exports.update(current)
            await uow.commit()

    async def _settle(self, export: Export, *, size: int | None) -> None:
        async with self.uow() as uow:
            current = await uow.exports.get(export.id)
            if current is not None:
                if size is None:
                    current.fail(self.clock.now())
                else:
                    current.finish(size_bytes=size, now=self.clock.now())
                await uow.exports.update(current)
            await uow.commit()
        if current is None and size is not None:
            # The account went while the archive was written: it goes too.
            await self.files.delete(export.storage_key)


async def _each(records: Sequence[object]) -> AsyncIterator[object]:
    for record in records:
        yield record


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepExports:
    """Delete exports a day after they finished (or were asked for, if they never
    finished), with their archives."""

    uow: UnitOfWorkFactory
    clock: Clock
    files: FileStore
    batch: int = 100

    async def execute(self) -> int:
        async with self.uow() as uow:
            old = await uow.exports.list_expired(self.clock.now() - EXPORT_LIFETIME, limit=self.batch)
            for export in old:
                await uow.exports.delete(export)
            await uow.commit()
        await delete_files(self.uow, self.files, [export.storage_key for export in old])
        return len(old)
