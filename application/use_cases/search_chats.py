from __future__ import annotations

from dataclasses import dataclass

from application.pagination import check_page_size
from application.ports.repositories import UnitOfWorkFactory
from application.use_cases.authenticate import Principal
from domain.errors import BadRequest
from domain.search import SearchHit, clean_query

DEFAULT_SEARCH_PAGE = 20
# Results beyond this are not paged to: a search that needs them needs more words.
MAX_SEARCH_RESULTS = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchChatsCommand:
    principal: Principal
    query: str
    limit: int = DEFAULT_SEARCH_PAGE
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchPage:
    items: list[SearchHit]
    # Where the next page starts; None on the last.
    next_offset: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchChats:
    """Find the caller's chats and messages by their words, best matches first."""

    uow: UnitOfWorkFactory

    async def execute(self, command: SearchChatsCommand) -> SearchPage:
        query = clean_query(command.query)
        limit = check_page_size(command.limit)
        if not 0 <= command.offset < MAX_SEARCH_RESULTS:
            raise BadRequest("cursor: not a cursor this API returned")
        async with self.uow() as uow:
            # One extra row tells whether there is a next page.
            hits = list(
                await uow.search.search(command.principal.user_id, query, limit=limit + 1, offset=command.offset)
            )
        more = len(hits) > limit and command.offset + limit < MAX_SEARCH_RESULTS
        return SearchPage(items=hits[:limit], next_offset=command.offset + limit if more else None)
