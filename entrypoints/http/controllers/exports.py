"""Taking your chats away (exports) and bringing chats in (imports)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from application.use_cases.authenticate import Principal
from application.use_cases.export_chats import DownloadExport, GetExport, RequestExport
from application.use_cases.get_model_choices import GetModelChoices
from application.use_cases.import_chats import IMPORT_MAX_BYTES, ImportChats, ImportChatsCommand
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.multipart import FRAMING_BYTES, receive_file
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.exports import ExportResponse, ImportResponse


class ExportController(Controller):
    path = "/"
    tags = ["exports"]
    security = BEARER_AUTH

    @post("/exports", status_code=202, responses=errors(401, 403, 429, 503))
    async def request_export(
        self, principal: NamedDependency[Principal], request_export: NamedDependency[RequestExport]
    ) -> ExportResponse:
        """Have every chat of yours written into one archive (a zip of JSON Lines, every
        branch of every chat, and the files your messages carried), by a background
        worker. Follow it with `GET /exports/{id}`. While one is being written, asking
        again answers that one. Ten a UTC day."""
        return ExportResponse.from_domain(await request_export.execute(principal))

    @get("/exports/{export_id:uuid}", responses=errors(400, 401, 404))
    async def get_export(
        self, principal: NamedDependency[Principal], export_id: FromPath[UUID], get_export: NamedDependency[GetExport]
    ) -> ExportResponse:
        """How far your export got (`chatrooms_done` of `chatrooms_total`); once `ready`,
        where to download it (`download_path`) until `expires_at`, a day later. Somebody
        else's export is 404, like a missing one."""
        return ExportResponse.from_domain(await get_export.execute(principal, str(export_id)))

    @get(
        "/exports/{export_id:uuid}/archive",
        responses=errors(400, 401, 404, 409),
        response_description="The zip archive",
    )
    async def download_export(
        self,
        principal: NamedDependency[Principal],
        export_id: FromPath[UUID],
        download_export: NamedDependency[DownloadExport],
    ) -> Stream:
        """The archive, for its owner, for a day after it was written: 409 while it is being
        written, 404 once it expired or if it failed."""
        opened = await download_export.execute(principal, str(export_id))
        export = opened.export
        day = export.created_at.strftime("%Y-%m-%d")
        return Stream(
            opened.content,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="chats-{day}.zip"',
                "Content-Length": str(export.size_bytes or 0),
                "Cache-Control": "private, no-store",
            },
        )

    @post(
        "/imports",
        status_code=201,
        responses=errors(400, 401, 403, 413, 415, 422, 429),
        request_max_body_size=IMPORT_MAX_BYTES + FRAMING_BYTES,
    )
    async def import_chats(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        import_chats: NamedDependency[ImportChats],
        get_model_choices: NamedDependency[GetModelChoices],
    ) -> ImportResponse:
        """Bring chats in, as `multipart/form-data` with one part named `file`: an archive
        from `POST /exports` (of this or another deployment), ChatGPT's export zip, or its
        `conversations.json` alone. Each chat becomes a new chat of yours with every branch;
        files come along when the archive holds them and they are of a kind uploads take.
        Nothing is asked of the model, nothing counts against your quota. All or nothing:
        a file that cannot be read imports no chat (422 naming why). At most 512 MB,
        2,000 chats and 100,000 messages at once; ten imports a UTC day."""
        received = await receive_file(request, limit=IMPORT_MAX_BYTES)
        try:
            imported = await import_chats.execute(
                ImportChatsCommand(principal=principal, source=received.file, size=received.size)
            )
        finally:
            received.file.close()
        return ImportResponse.from_domain(imported, await get_model_choices.execute(principal))
