from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from application.pagination import decode_offset, encode_offset
from application.use_cases.authenticate import Principal
from application.use_cases.search_chats import DEFAULT_SEARCH_PAGE, SearchChats, SearchChatsCommand
from domain.search import MAX_QUERY_LENGTH
from entrypoints.http.controllers.chatrooms import Cursor, PageSize, only_query_parameters
from entrypoints.http.dependencies import BEARER_AUTH
from entrypoints.http.openapi import errors
from entrypoints.http.schemas.search import SearchHitBody, SearchResponse


class SearchController(Controller):
    path = "/search"
    tags = ["search"]
    security = BEARER_AUTH

    @get("/", responses=errors(400, 401, 422))
    async def search(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        search_chats: NamedDependency[SearchChats],
        q: Annotated[
            str,
            QueryParameter(
                max_length=MAX_QUERY_LENGTH * 4,
                description='Web-search syntax: every word, "a phrase", -left-out, this or that',
            ),
        ],
        limit: PageSize = DEFAULT_SEARCH_PAGE,
        cursor: Cursor = None,
    ) -> SearchResponse:
        """Your chats' titles and messages (every branch, and the names of files sent)
        matching `q`, best first: each hit names its chat and message, with a snippet
        around the match (HTML: escaped text, the matched words in `<mark>`). Temporary
        chats are never searched; deleted ones are gone from it at once."""
        only_query_parameters(request, "q", "limit", "cursor")
        page = await search_chats.execute(
            SearchChatsCommand(principal=principal, query=q, limit=limit, offset=decode_offset(cursor))
        )
        return SearchResponse(
            items=[SearchHitBody.from_domain(hit) for hit in page.items],
            next_cursor=encode_offset(page.next_offset) if page.next_offset is not None else None,
        )
