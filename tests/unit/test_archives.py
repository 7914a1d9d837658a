"""Whatever tree a file describes, the imported messages keep the conversation's rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.archives import ImportedChat, ImportedMessage, imported_messages
from domain.chat import MessageRole, MessageStatus

NOW = datetime(2026, 11, 24, tzinfo=UTC)

# Each message: its role, and the index of its parent among the earlier ones, a later
# one (a loop or a forward reference), itself, or nothing.
nodes = st.lists(
    st.tuples(st.sampled_from([MessageRole.USER, MessageRole.MODEL]), st.none() | st.integers(-1, 30)),
    max_size=30,
)


def _chat(tree: list[tuple[MessageRole, int | None]], active: int | None) -> ImportedChat:
    messages = [
        ImportedMessage(
            key=f"m{i}",
            parent_key=None if parent is None else f"m{parent}",
            role=role,
            content=f"text {i}",
            created_at=NOW + timedelta(seconds=i),
            status=MessageStatus.STREAMING if i % 7 == 3 else MessageStatus.COMPLETED,
        )
        for i, (role, parent) in enumerate(tree)
    ]
    return ImportedChat(title="t", created_at=NOW, messages=messages, active_key=f"m{active}")


def _rooted(tree: list[tuple[MessageRole, int | None]], index: int) -> bool:
    seen = set()
    current: int | None = index
    while current is not None:
        if current in seen:
            return False
        seen.add(current)
        parent = tree[current][1]
        # A parent the file does not have, or itself: the message starts the chat.
        current = parent if parent is not None and 0 <= parent < len(tree) and parent != current else None
    return True


@given(tree=nodes, active=st.none() | st.integers(0, 30))
def test_imported_messages_keep_the_conversation_rules(
    tree: list[tuple[MessageRole, int | None]], active: int | None
) -> None:
    counter = itertools.count()
    messages, leaf = imported_messages(
        _chat(tree, active), chatroom_id="room", new_id=lambda: f"id{next(counter)}", files={}, now=NOW
    )
    by_id = {m.id: m for m in messages}
    assert len(by_id) == len(messages)
    seen: set[str] = set()
    for message in messages:  # parents before the messages that follow them
        assert message.parent_id is None or message.parent_id in seen
        seen.add(message.id)
        parent = by_id.get(message.parent_id) if message.parent_id else None
        if message.role is MessageRole.USER:
            assert parent is None or parent.role is MessageRole.MODEL
        else:
            assert parent is not None, "a reply follows a question or a reply"
            question = by_id[message.reply_to] if message.reply_to else None
            assert question is not None and question.role is MessageRole.USER
            assert message.is_finished and message.refunded
    assert (leaf is None) == (not messages)
    if leaf is not None:
        assert not any(m.parent_id == leaf for m in messages), "the branch shown ends at a leaf"
    # Only replies with no question before them are left out: every message that
    # descends from the start of the file (not from a loop) is there otherwise.
    rooted = [i for i in range(len(tree)) if _rooted(tree, i)]
    kept_users = sum(1 for m in messages if m.role is MessageRole.USER)
    assert kept_users == sum(1 for i in rooted if tree[i][0] is MessageRole.USER)


def test_a_question_after_a_question_is_its_sibling_and_a_leading_reply_is_left_out() -> None:
    tree: list[tuple[MessageRole, int | None]] = [
        (MessageRole.MODEL, None),  # a reply with nothing asked: left out
        (MessageRole.USER, 0),  # what follows it stays, at the start
        (MessageRole.USER, 1),  # a second question right after the first: another version
        (MessageRole.MODEL, 2),
    ]
    counter = itertools.count()
    messages, leaf = imported_messages(
        _chat(tree, 3), chatroom_id="room", new_id=lambda: f"id{next(counter)}", files={}, now=NOW
    )
    assert [(m.role, m.content, m.parent_id) for m in messages] == [
        (MessageRole.USER, "text 1", None),
        (MessageRole.USER, "text 2", None),
        (MessageRole.MODEL, "text 3", messages[1].id),
    ]
    assert leaf == messages[2].id
