"""Uploads: files a person sends with their messages. The bytes go to the FileStore under
a key made of ids, the record to the database; only the owner ever reads either."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from application.ports.repositories import UnitOfWorkFactory
from application.ports.services import Clock, FileInspector, FileStore, IdGenerator, RateLimiter
from application.services.daily_limits import spend_one_today
from application.services.file_reading import opened
from application.services.file_removal import delete_files
from application.services.ownership import owned_upload
from application.services.plans import plan_of
from application.use_cases.authenticate import Principal
from domain.errors import Conflict
from domain.uploads import Upload, UploadLimits


@dataclass(frozen=True, slots=True, kw_only=True)
class AllowUpload:
    """Before a byte is read: spend one of today's uploads, and say how large the file may
    be. Counted when asked, so a refused file counts too (inspecting files costs)."""

    uow: UnitOfWorkFactory
    clock: Clock
    limiter: RateLimiter
    limits: UploadLimits

    async def execute(self, principal: Principal) -> int:
        async with self.uow() as uow:
            plan = await plan_of(uow, principal.user_id)
        now = self.clock.now()
        allowed = self.limits.per_day(plan)
        await spend_one_today(
            self.limiter,
            what="uploads",
            user_id=principal.user_id,
            allowed=allowed,
            now=now,
            refusal=f"You have uploaded {allowed} files today, the most on the {plan.value.capitalize()} plan.",
        )
        return self.limits.max_bytes(plan)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreUploadCommand:
    principal: Principal
    filename: str | None
    # The file as received (at most the allowed size), read from its start.
    source: BinaryIO
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreUpload:
    """Keep a file whose bytes say it is one of the kinds taken (an image without its
    metadata), and record it."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    files: FileStore
    inspector: FileInspector

    async def execute(self, command: StoreUploadCommand) -> Upload:
        inspected, data = await self.inspector.inspect(command.source, size=command.size, filename=command.filename)
        upload = Upload.accept(
            id=self.ids.new_id(),
            owner_id=command.principal.user_id,
            filename=command.filename,
            file=inspected,
            now=self.clock.now(),
        )
        await self.files.put(upload.storage_key, data, size=inspected.size_bytes, content_type=inspected.mime_type)
        try:
            async with self.uow() as uow:
                await uow.uploads.add(upload)
                await uow.commit()
        except BaseException:
            # Not recorded: not kept either.
            await self.files.delete(upload.storage_key)
            raise
        return upload


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenedUpload:
    upload: Upload
    content: AsyncIterator[bytes]


@dataclass(frozen=True, slots=True, kw_only=True)
class GetUpload:
    uow: UnitOfWorkFactory
    files: FileStore

    async def execute(self, principal: Principal, upload_id: str) -> OpenedUpload:
        """The caller's upload and its bytes; somebody else's is not found, like a missing one."""
        async with self.uow() as uow:
            upload = await owned_upload(uow, upload_id=upload_id, owner_id=principal.user_id)
        # Read before answering: a missing file is a 404, not a download cut short.
        return OpenedUpload(upload=upload, content=await opened(self.files, upload.storage_key))


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteUpload:
    uow: UnitOfWorkFactory
    files: FileStore

    async def execute(self, principal: Principal, upload_id: str) -> None:
        """An upload a message carries stays while the message does (it shows it): 409."""
        async with self.uow() as uow:
            upload = await owned_upload(uow, upload_id=upload_id, owner_id=principal.user_id, for_update=True)
            if await uow.uploads.is_attached(upload.id):
                raise Conflict("This file was sent with a message; it is deleted with the message's chatroom.")
            await uow.uploads.delete(upload)
            await uow.commit()
        await delete_files(self.uow, self.files, [upload.storage_key])


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadSweepPolicy:
    # An upload not sent with a message within this long is deleted.
    keep_unattached: timedelta = timedelta(hours=24)
    batch: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepUnattachedUploads:
    """Delete the uploads nobody sent with a message in time, record and bytes, so
    nothing uploaded is kept for nothing."""

    uow: UnitOfWorkFactory
    clock: Clock
    files: FileStore
    policy: UploadSweepPolicy

    async def execute(self) -> int:
        cutoff = self.clock.now() - self.policy.keep_unattached
        async with self.uow() as uow:
            stale = list(await uow.uploads.list_unattached(created_before=cutoff, limit=self.policy.batch))
            for upload in stale:
                await uow.uploads.delete(upload)
            await uow.commit()
        await delete_files(self.uow, self.files, [upload.storage_key for upload in stale])
        return len(stale)


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishFileDeletions:
    """Delete the bytes of deleted uploads whose deletion failed when they were deleted."""

    uow: UnitOfWorkFactory
    files: FileStore
    policy: UploadSweepPolicy

    async def execute(self) -> int:
        async with self.uow() as uow:
            keys = await uow.uploads.files_to_delete(limit=self.policy.batch)
        return await delete_files(self.uow, self.files, keys)
