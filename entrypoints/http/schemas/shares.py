"""Shared chats."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from msgspec import Struct

from application.use_cases.share_chats import ShareLink
from domain.shares import Share


class ShareRequest(Struct):
    # The last message shared, of the branch shown; left out: all of it.
    up_to_message_id: UUID | None = None


class ShareResponse(Struct):
    id: str
    # The link: anybody who has it can read the snapshot.
    url: str
    chatroom_id: str
    title: str
    created_at: datetime
    message_count: int

    @classmethod
    def from_link(cls, link: ShareLink) -> ShareResponse:
        share = link.share
        return cls(
            id=share.id,
            url=link.url,
            chatroom_id=share.chatroom_id,
            title=share.title,
            created_at=share.created_at,
            message_count=len(share.messages),
        )


class ShareListResponse(Struct):
    items: list[ShareResponse]


class SharedMessageBody(Struct):
    role: Literal["user", "model"]
    content: str
    created_at: datetime
    model: str | None
    # The names of files sent with it; the files are not shared.
    files: list[str]


class SharedChatResponse(Struct):
    """A shared chat as anybody with its link sees it: no word of who shared it."""

    id: str
    title: str
    created_at: datetime
    messages: list[SharedMessageBody]

    @classmethod
    def from_domain(cls, share: Share) -> SharedChatResponse:
        return cls(
            id=share.id,
            title=share.title,
            created_at=share.created_at,
            messages=[
                SharedMessageBody(
                    role=m.role.value, content=m.content, created_at=m.created_at, model=m.model, files=list(m.files)
                )
                for m in share.messages
            ],
        )
