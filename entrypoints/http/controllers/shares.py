"""Share links: made, listed and revoked by their owner; read and copied by anybody who
has one."""

from __future__ import annotations

import html
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from application.use_cases.authenticate import Principal
from application.use_cases.get_model_choices import GetModelChoices
from application.use_cases.share_chats import (
    CopySharedChat,
    ListShares,
    OpenShare,
    RevokeShare,
    ShareChatroom,
    ShareChatroomCommand,
)
from domain.chat import MessageRole
from domain.shares import Share
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.chatrooms import ChatroomResponse
from entrypoints.http.schemas.shares import (
    SharedChatResponse,
    ShareListResponse,
    ShareRequest,
    ShareResponse,
)

# A shared chat is nobody's to index or keep: a revoked link must be gone everywhere.
PUBLIC_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class ShareController(Controller):
    path = "/"
    tags = ["shares"]
    security = BEARER_AUTH

    @post("/chatroom/{chatroom_id:uuid}/shares", status_code=201, responses=errors(400, 401, 404, 422))
    async def share_chatroom(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        share_chatroom: NamedDependency[ShareChatroom],
        data: ShareRequest | None = None,
    ) -> ShareResponse:
        """Share the branch shown, up to `up_to_message_id` (default: all of it), as a frozen
        snapshot behind a new link (`url`) that anybody who has it can read: later messages,
        renames and deletions of messages do not change it. Replies still being written and
        a last question without an answer are left out; files are listed by name only."""
        request = data or ShareRequest()
        link = await share_chatroom.execute(
            ShareChatroomCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                up_to_message_id=str(request.up_to_message_id) if request.up_to_message_id else None,
            )
        )
        return ShareResponse.from_link(link)

    @get("/shares", responses=errors(401))
    async def list_shares(
        self, principal: NamedDependency[Principal], list_shares: NamedDependency[ListShares]
    ) -> ShareListResponse:
        """Your share links, newest first (the newest 500)."""
        return ShareListResponse(items=[ShareResponse.from_link(link) for link in await list_shares.execute(principal)])

    @delete("/shares/{share_id:str}", status_code=204, responses=errors(400, 401, 404))
    async def revoke_share(
        self, principal: NamedDependency[Principal], share_id: FromPath[str], revoke_share: NamedDependency[RevokeShare]
    ) -> None:
        """Stop sharing: from now on the link answers 404, everywhere at once."""
        await revoke_share.execute(principal, share_id)


class PublicShareController(Controller):
    path = "/s"
    tags = ["shares"]

    @get("/{share_id:str}", responses=errors(400, 404))
    async def open_share(
        self, request: Request[Any, Any, Any], share_id: FromPath[str], open_share: NamedDependency[OpenShare]
    ) -> Response[Any]:
        """A shared chat, for anybody with its link (no sign-in): JSON, or a page to read for
        a browser (`Accept: text/html`). It says nothing of who shared it, and asks not to
        be indexed or kept (`X-Robots-Tag: noindex`, `Cache-Control: no-store`)."""
        share = await open_share.execute(share_id)
        if request.accept.best_match(["application/json", "text/html"], default="application/json") == "text/html":
            return Response(_page(share), media_type="text/html; charset=utf-8", headers=PUBLIC_HEADERS)
        return Response(SharedChatResponse.from_domain(share), headers=PUBLIC_HEADERS)

    @post("/{share_id:str}/copy", status_code=201, responses=errors(400, 401, 404), security=BEARER_AUTH)
    async def copy_share(
        self,
        principal: NamedDependency[Principal],
        share_id: FromPath[str],
        copy_shared_chat: NamedDependency[CopySharedChat],
        get_model_choices: NamedDependency[GetModelChoices],
    ) -> ChatroomResponse:
        """Go on with a shared chat: a new chat of yours holding a copy of it (files not
        included). Nothing is asked of the model and nothing counts against your quota."""
        chatroom = await copy_shared_chat.execute(principal, share_id)
        return ChatroomResponse.from_domain(chatroom, await get_model_choices.execute(principal))


def _page(share: Share) -> str:
    """Plain HTML, every word of it escaped: no script, no style, nothing fetched."""
    title = html.escape(share.title)
    turns = []
    for message in share.messages:
        who = "You" if message.role is MessageRole.USER else html.escape(message.model or "Model")
        files = f"<p><small>Files: {html.escape(', '.join(message.files))}</small></p>" if message.files else ""
        body = "".join(f"<p>{html.escape(line)}</p>" for line in message.content.split("\n\n") if line.strip())
        turns.append(f"<article><h2>{who}</h2>{body}{files}</article>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1>"
        f"<p><small>A shared chat, as it was on {share.created_at:%d %B %Y}.</small></p>"
        f"{''.join(turns)}</main></body></html>"
    )
