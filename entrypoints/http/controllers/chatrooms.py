from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from msgspec import UNSET

from application.changes import KEEP
from application.pagination import MAX_PAGE_SIZE, decode_cursor, encode_cursor
from application.services.reply_requests import ReplyCommand, RequestedReply
from application.use_cases.authenticate import Principal
from application.use_cases.cancel_reply import CancelReply, CancelReplyCommand
from application.use_cases.configure_chatroom import ConfigureChatroom, ConfigureChatroomCommand
from application.use_cases.continue_reply import ContinueReply
from application.use_cases.create_chatroom import CreateChatroom, CreateChatroomCommand
from application.use_cases.delete_chatroom import DeleteChatroom, DeleteChatroomCommand
from application.use_cases.fork_chatroom import ForkChatroom, ForkChatroomCommand
from application.use_cases.get_chatroom import GetChatroom, GetChatroomCommand
from application.use_cases.get_message import GetMessage, GetMessageCommand
from application.use_cases.get_model_choices import GetModelChoices
from application.use_cases.list_chatrooms import DEFAULT_CHATROOM_PAGE, ListChatrooms, ListChatroomsCommand
from application.use_cases.list_messages import DEFAULT_MESSAGE_PAGE, ListMessages, ListMessagesCommand
from application.use_cases.organise_chatroom import OrganiseChatroom, OrganiseChatroomCommand
from application.use_cases.rate_reply import RateReply, RateReplyCommand
from application.use_cases.regenerate_reply import RegenerateReply
from application.use_cases.rename_chatroom import RenameChatroom, RenameChatroomCommand
from application.use_cases.send_message import Follow, SendMessage, SendMessageCommand
from application.use_cases.stream_reply import StreamReply, StreamReplyCommand
from application.use_cases.switch_branch import SwitchBranch, SwitchBranchCommand
from domain.chat import Rating
from domain.errors import BadRequest, ValidationError
from domain.quota import QuotaStatus
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.chatrooms import (
    ChatroomDetailResponse,
    ChatroomListResponse,
    ChatroomResponse,
    CreateChatroomRequest,
    FeedbackRequest,
    ForkRequest,
    MessageBody,
    MessageListResponse,
    ReplyResponse,
    SendMessageRequest,
    SendMessageResponse,
    UpdateChatroomRequest,
)
from entrypoints.http.sse import sse_messages, until_draining

PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page")]
Cursor = Annotated[str | None, QueryParameter(max_length=512, description="`next_cursor` of the previous page")]


def only_query_parameters(request: Request[Any, Any, Any], *known: str) -> None:
    """A paged route answers 400 for a parameter it does not know, rather than ignoring it
    and answering the first page again (a client that misspelt `cursor` would loop)."""
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise BadRequest(
            f"{unknown[0]}: not a parameter of this route (it takes {', '.join(known)})",
            details=[{"field": name, "message": "unknown query parameter"} for name in unknown],
        )


IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retrying with the same key returns the first result instead of asking twice.",
    ),
]


def reply_headers(chatroom_id: UUID, result: RequestedReply) -> dict[str, str]:
    headers = {
        "Location": f"/chatroom/{chatroom_id}/messages/{result.reply.message.id}",
        **rate_limit_headers(result.quota),
    }
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return headers


async def _ask_again(use_case: RegenerateReply | ContinueReply, command: ReplyCommand) -> Response[ReplyResponse]:
    """A new reply about an earlier one: 202 with it, where to find it, and the quota."""
    result = await use_case.execute(command)
    return Response(
        ReplyResponse(reply=MessageBody.from_domain(result.reply)),
        status_code=202,
        headers=reply_headers(UUID(command.chatroom_id), result),
    )


def rate_limit_headers(quota: QuotaStatus) -> dict[str, str]:
    if quota.limit is None:
        return {}
    return {
        "X-RateLimit-Limit": str(quota.limit),
        "X-RateLimit-Remaining": str(quota.remaining),
        "X-RateLimit-Reset": str(int(quota.resets_at.timestamp())),
    }


class ChatroomController(Controller):
    path = "/chatroom"
    tags = ["chatrooms"]
    security = BEARER_AUTH

    @post("/", status_code=201, responses=errors(400, 401, 403, 404, 413, 422))
    async def create_chatroom(
        self,
        principal: NamedDependency[Principal],
        create_chatroom: NamedDependency[CreateChatroom],
        get_model_choices: NamedDependency[GetModelChoices],
        data: JSONBody[CreateChatroomRequest | None] = None,
    ) -> ChatroomResponse:
        """Open a chatroom. Without a title it is called "New chat" until the model names it.
        `system_instruction` is told to the model in this chat only (after your standing
        instructions); `temperature` (0 to 2) is how freely it answers here. With `gem_id`
        the chat follows the gem's instructions (shown as `gem_instructions`) and temperature
        (unless one is given), copied: editing the gem later changes nothing here. `model`
        is one of your plan's models (GET /models; 403 `MODEL_NOT_IN_PLAN` for another
        plan's); left out, the gem's, or your plan's default. A `temporary` chat is never
        listed (nor searched), and is deleted with its files a day after its last message."""
        request = data or CreateChatroomRequest()
        chatroom = await create_chatroom.execute(
            CreateChatroomCommand(
                principal=principal,
                title=request.title or request.name,
                gem_id=None if request.gem_id is None else str(request.gem_id),
                system_instruction=KEEP if request.system_instruction is UNSET else request.system_instruction,
                temperature=KEEP if request.temperature is UNSET else request.temperature,
                model=KEEP if request.model is UNSET else request.model,
                temporary=request.temporary,
            )
        )
        return ChatroomResponse.from_domain(chatroom, await get_model_choices.execute(principal))

    @get("/", responses=errors(400, 401))
    async def list_chatrooms(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        list_chatrooms: NamedDependency[ListChatrooms],
        get_model_choices: NamedDependency[GetModelChoices],
        limit: PageSize = DEFAULT_CHATROOM_PAGE,
        cursor: Cursor = None,
        archived: Annotated[bool, QueryParameter(description="The archived chats instead of the others")] = False,
    ) -> ChatroomListResponse:
        """Your chatrooms, pinned first, then most recent activity first. Archived chats are
        left out unless `archived=true`, which lists them alone; temporary chats never show."""
        only_query_parameters(request, "limit", "cursor", "archived")
        page = await list_chatrooms.execute(
            ListChatroomsCommand(principal=principal, limit=limit, after=decode_cursor(cursor), archived=archived)
        )
        choices = await get_model_choices.execute(principal)
        return ChatroomListResponse(
            items=[ChatroomResponse.from_domain(c, choices) for c in page.items],
            next_cursor=encode_cursor(page.next) if page.next else None,
        )

    @get("/{chatroom_id:uuid}", responses=errors(400, 401, 404))
    async def get_chatroom(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        get_chatroom: NamedDependency[GetChatroom],
        get_model_choices: NamedDependency[GetModelChoices],
    ) -> ChatroomDetailResponse:
        """A chatroom with its latest messages (oldest first)."""
        found = await get_chatroom.execute(GetChatroomCommand(principal=principal, chatroom_id=str(chatroom_id)))
        return ChatroomDetailResponse.from_domain(found, await get_model_choices.execute(principal))

    @patch("/{chatroom_id:uuid}", responses=errors(400, 401, 403, 404, 413, 422))
    async def update_chatroom(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        data: JSONBody[UpdateChatroomRequest],
        rename_chatroom: NamedDependency[RenameChatroom],
        switch_branch: NamedDependency[SwitchBranch],
        configure_chatroom: NamedDependency[ConfigureChatroom],
        organise_chatroom: NamedDependency[OrganiseChatroom],
        get_model_choices: NamedDependency[GetModelChoices],
    ) -> ChatroomResponse:
        """Rename the chatroom (`title`), show another branch (`active_leaf_id`: any message of it;
        the branch follows that message's newest versions down to the end), change this chat's
        `model` (one of your plan's; null for your plan's default), `system_instruction` (empty
        to remove it) or `temperature` (null for the default), pin it on top of the list
        (`pinned`) or archive it out of the list (`archived`; archiving unpins), or several
        at once. Replies written afterwards follow the new settings."""
        settings = (data.system_instruction, data.temperature, data.model)
        places = (data.pinned, data.archived)
        given = (data.title, data.active_leaf_id, *settings, *places)
        if all(value is UNSET for value in given):
            raise ValidationError.for_field(
                "title",
                "give a title, an active_leaf_id, a model, a system_instruction, a temperature, pinned or archived",
            )
        chatroom = None
        if any(value is not UNSET for value in places):
            chatroom = await organise_chatroom.execute(
                OrganiseChatroomCommand(
                    principal=principal,
                    chatroom_id=str(chatroom_id),
                    pinned=KEEP if data.pinned is UNSET else data.pinned,
                    archived=KEEP if data.archived is UNSET else data.archived,
                )
            )
        if any(value is not UNSET for value in settings):
            chatroom = await configure_chatroom.execute(
                ConfigureChatroomCommand(
                    principal=principal,
                    chatroom_id=str(chatroom_id),
                    system_instruction=KEEP if data.system_instruction is UNSET else data.system_instruction,
                    temperature=KEEP if data.temperature is UNSET else data.temperature,
                    model=KEEP if data.model is UNSET else data.model,
                )
            )
        if data.title is not UNSET:
            chatroom = await rename_chatroom.execute(
                RenameChatroomCommand(principal=principal, chatroom_id=str(chatroom_id), title=data.title)
            )
        if data.active_leaf_id is not UNSET:
            chatroom = await switch_branch.execute(
                SwitchBranchCommand(
                    principal=principal, chatroom_id=str(chatroom_id), message_id=str(data.active_leaf_id)
                )
            )
        assert chatroom is not None
        return ChatroomResponse.from_domain(chatroom, await get_model_choices.execute(principal))

    @delete("/{chatroom_id:uuid}", status_code=204, responses=errors(400, 401, 403, 404))
    async def delete_chatroom(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        delete_chatroom: NamedDependency[DeleteChatroom],
    ) -> None:
        """Delete a chatroom and its messages."""
        await delete_chatroom.execute(DeleteChatroomCommand(principal=principal, chatroom_id=str(chatroom_id)))

    @post("/{chatroom_id:uuid}/message", status_code=202, responses=errors(400, 401, 403, 404, 409, 413, 422, 429))
    async def send_message(
        self,
        request_id: NamedDependency[str | None],
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        data: JSONBody[SendMessageRequest],
        send_message: NamedDependency[SendMessage],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SendMessageResponse]:
        """Send a message. Answers at once; poll or stream the `reply` to watch it being written.
        Without `parent_id` the message continues the branch shown; with the `parent_id` of an
        earlier point it becomes a new version there (an edit), and that branch is shown.
        `attachment_ids` sends uploads with it (at most 10; then `content` may be empty); a
        file the chat's model cannot read is a 422 naming the model and the kind."""
        parent: str | Follow | None = Follow.ACTIVE_BRANCH
        if data.parent_id is not UNSET:
            parent = str(data.parent_id) if data.parent_id is not None else None
        result = await send_message.execute(
            SendMessageCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                content=data.content,
                attachment_ids=[str(i) for i in data.attachment_ids],
                parent_id=parent,
                idempotency_key=idempotency_key,
                request_id=request_id,
            )
        )
        return Response(
            SendMessageResponse(
                message=MessageBody.from_domain(result.message), reply=MessageBody.from_domain(result.reply)
            ),
            status_code=202,
            headers=reply_headers(chatroom_id, result),
        )

    @post(
        "/{chatroom_id:uuid}/messages/{reply_id:uuid}/regenerate",
        status_code=202,
        responses=errors(400, 401, 403, 404, 409, 429),
    )
    async def regenerate_reply(
        self,
        request_id: NamedDependency[str | None],
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        reply_id: FromPath[UUID],
        regenerate_reply: NamedDependency[RegenerateReply],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ReplyResponse]:
        """Another answer to the same message: a new version of the reply, written from the same
        branch, shown from now on. Counts as a message for the daily quota."""
        return await _ask_again(
            regenerate_reply,
            ReplyCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                reply_id=str(reply_id),
                idempotency_key=idempotency_key,
                request_id=request_id,
            ),
        )

    @post(
        "/{chatroom_id:uuid}/messages/{reply_id:uuid}/continue",
        status_code=202,
        responses=errors(400, 401, 403, 404, 409, 429),
    )
    async def continue_reply(
        self,
        request_id: NamedDependency[str | None],
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        reply_id: FromPath[UUID],
        continue_reply: NamedDependency[ContinueReply],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ReplyResponse]:
        """Go on with a reply that ended at the model's output limit (`finish_reason` `length`): the
        rest arrives in a new reply that follows it. Counts as a message for the daily quota."""
        return await _ask_again(
            continue_reply,
            ReplyCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                reply_id=str(reply_id),
                idempotency_key=idempotency_key,
                request_id=request_id,
            ),
        )

    @put("/{chatroom_id:uuid}/messages/{reply_id:uuid}/feedback", responses=errors(400, 401, 403, 404, 409, 413, 422))
    async def rate_reply(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        reply_id: FromPath[UUID],
        data: JSONBody[FeedbackRequest],
        rate_reply: NamedDependency[RateReply],
    ) -> MessageBody:
        """Rate a finished reply `up` or `down`, with an optional comment; rating again replaces it.
        Counted for operators in `/metrics` (`reply_feedback_total`, by model)."""
        rated = await rate_reply.execute(
            RateReplyCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                reply_id=str(reply_id),
                rating=Rating(data.rating),
                comment=data.comment,
            )
        )
        return MessageBody.from_domain(rated)

    @post("/{chatroom_id:uuid}/fork", status_code=201, responses=errors(400, 401, 403, 404, 413, 422))
    async def fork_chatroom(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        data: JSONBody[ForkRequest],
        fork_chatroom: NamedDependency[ForkChatroom],
        get_model_choices: NamedDependency[GetModelChoices],
    ) -> ChatroomResponse:
        """A new chatroom, "<title> (copy)", holding a copy of the branch up to the reply `message_id`.
        The two rooms share nothing afterwards. A reply still being written is copied as it stands,
        cancelled."""
        copy = await fork_chatroom.execute(
            ForkChatroomCommand(principal=principal, chatroom_id=str(chatroom_id), message_id=str(data.message_id))
        )
        return ChatroomResponse.from_domain(copy, await get_model_choices.execute(principal))

    @post(
        "/{chatroom_id:uuid}/messages/{reply_id:uuid}/cancel",
        status_code=202,
        responses=errors(400, 401, 403, 404, 409, 503),
    )
    async def cancel_reply(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        reply_id: FromPath[UUID],
        cancel_reply: NamedDependency[CancelReply],
    ) -> ReplyResponse:
        """Stop a reply. A queued reply is cancelled at once; one being written stops within a chunk,
        keeping its text, and every stream of it ends with a `cancelled` event. Asking again is
        harmless; a reply that already finished is a 409. Stopped before its first word, the reply
        gives its message back to the daily quota."""
        reply = await cancel_reply.execute(
            CancelReplyCommand(principal=principal, chatroom_id=str(chatroom_id), reply_id=str(reply_id))
        )
        return ReplyResponse(reply=MessageBody.from_domain(reply))

    @get("/{chatroom_id:uuid}/messages", responses=errors(400, 401, 404))
    async def list_messages(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        list_messages: NamedDependency[ListMessages],
        request: Request[Any, Any, Any],
        limit: PageSize = DEFAULT_MESSAGE_PAGE,
        cursor: Cursor = None,
        leaf: Annotated[
            UUID | None,
            QueryParameter(description="Page along the branch ending at this message instead of the one shown"),
        ] = None,
        before: Annotated[
            str | None,
            QueryParameter(max_length=512, description="Deprecated: the old name of `cursor`, still accepted"),
        ] = None,
    ) -> MessageListResponse:
        """Messages of the branch shown (or of `leaf`'s), newest page first and oldest first within a
        page; pass `next_cursor` back as `cursor` to go further back."""
        only_query_parameters(request, "limit", "cursor", "leaf", "before")
        if cursor is not None and before is not None and cursor != before:
            raise BadRequest("cursor: give the page position once (`before` is its old name)")
        page = await list_messages.execute(
            ListMessagesCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                limit=limit,
                cursor=decode_cursor(cursor if cursor is not None else before),
                leaf_id=str(leaf) if leaf is not None else None,
            )
        )
        return MessageListResponse(
            items=[MessageBody.from_domain(m) for m in page.items],
            next_cursor=encode_cursor(page.next) if page.next else None,
        )

    @get("/{chatroom_id:uuid}/messages/{message_id:uuid}", responses=errors(400, 401, 404))
    async def get_message(
        self,
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        message_id: FromPath[UUID],
        get_message: NamedDependency[GetMessage],
    ) -> MessageBody:
        """One message; poll a reply here until its status is completed or failed."""
        message = await get_message.execute(
            GetMessageCommand(principal=principal, chatroom_id=str(chatroom_id), message_id=str(message_id))
        )
        return MessageBody.from_domain(message)

    @get(
        "/{chatroom_id:uuid}/messages/{message_id:uuid}/stream",
        media_type="text/event-stream",
        responses=errors(400, 401, 404, 429),
    )
    async def stream_reply(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        chatroom_id: FromPath[UUID],
        message_id: FromPath[UUID],
        stream_reply: NamedDependency[StreamReply],
        last_event_id: Annotated[
            str | None,
            HeaderParameter(name="Last-Event-ID", max_length=64, description="Resume after this event id"),
        ] = None,
    ) -> ServerSentEvent:
        """The reply as Server-Sent Events: `chunk` events (`{"text"}`), then `done` (the message),
        `cancelled` (the message, stopped with the text so far) or `error`. A `reset` event
        means generation restarted: drop the text received so far. Every event has an id;
        reconnect with `Last-Event-ID` to resume. When the server shuts down, an open stream
        ends with a `reconnect` event (and `retry: 1000`); when the session ends (logout,
        password change), with an `unauthenticated` event. A session holds at most
        `MAX_STREAMS_PER_SESSION` streams open (429 beyond)."""
        items = await stream_reply.execute(
            StreamReplyCommand(
                principal=principal,
                chatroom_id=str(chatroom_id),
                message_id=str(message_id),
                last_event_id=last_event_id,
            )
        )
        return ServerSentEvent(sse_messages(until_draining(items, request.app.state.get("draining"))))
