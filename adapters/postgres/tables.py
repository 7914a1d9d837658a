"""The schema, as SQLAlchemy Core tables. Alembic migrations are the source of truth for
the database; these must match them (a test compares the two)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

metadata = MetaData()

# The text-search configuration: "simple" (lower-cased words, no stemming, no stop
# words) suits conversations that mix languages, where English stemming would not.
SEARCH_CONFIG = "simple"
# A file's name is searched by its words ("beach-sunset.jpg": beach, sunset, jpg).
SEARCH_TEXT = (
    f"to_tsvector('{SEARCH_CONFIG}'::regconfig, content || ' ' || "
    "regexp_replace(jsonb_path_query_array(attachments, '$[*].filename')::text, '[^[:alnum:]]+', ' ', 'g'))"
)

Timestamp = DateTime(timezone=True)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("mobile_number", String(16), nullable=False, unique=True),
    Column("name", Text),
    Column("tier", String(8), nullable=False),
    Column("password_hash", Text),
    Column("created_at", Timestamp, nullable=False),
    Column("verified_at", Timestamp),
)

otp_challenges = Table(
    "otp_challenges",
    metadata,
    Column("mobile_number", String(16), nullable=False),
    Column("purpose", String(8), nullable=False),
    Column("id", Uuid, nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("consumed_at", Timestamp),
    # What a sign-up asked for, inert until its code is entered with its flow token.
    Column("signup_flow_hash", String(64)),
    Column("signup_password_hash", Text),
    Column("signup_name", Text),
    PrimaryKeyConstraint("mobile_number", "purpose"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("refresh_jti", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp),
)

chatrooms = Table(
    "chatrooms",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("untitled", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("active_leaf_id", Uuid),
    Column("system_instruction", Text, nullable=False, server_default=""),
    Column("temperature", Float),
    Column("gem_instructions", Text, nullable=False, server_default=""),
    Column("model", String(128)),
    Column("pinned", Boolean, nullable=False, server_default=false()),
    Column("archived", Boolean, nullable=False, server_default=false()),
    Column("temporary", Boolean, nullable=False, server_default=false()),
    # The chatroom list: one owner's listed rooms (or archived ones), pinned first, then
    # newest activity first.
    Index(
        "ix_chatrooms_owner_listed",
        "owner_id",
        "archived",
        text("pinned DESC"),
        text("updated_at DESC"),
        text("id DESC"),
        postgresql_where=text("NOT temporary"),
    ),
    # The sweeper's question: which temporary rooms have been quiet for a day?
    Index("ix_chatrooms_temporary", "updated_at", postgresql_where=text("temporary")),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chatroom_id", Uuid, ForeignKey("chatrooms.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(8), nullable=False),
    Column("content", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("completed_at", Timestamp),
    Column("error", Text),
    Column("prompt_tokens", Integer),
    Column("response_tokens", Integer),
    Column("reply_to", Uuid),
    Column("attempt", Integer, nullable=False),
    Column("lease_until", Timestamp),
    Column("refunded", Boolean, nullable=False, server_default=false()),
    Column("parent_id", Uuid),
    Column("finish_reason", String(16)),
    Column("model", String(128)),
    Column("feedback_rating", String(8)),
    Column("feedback_comment", Text),
    # The files a user message carries, as they were when sent (shown without a join);
    # message_attachments holds the same links for the questions asked of uploads.
    Column("attachments", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # What search matches: the words and the files' names, kept by PostgreSQL itself in
    # the message's own transaction. Never read with the message (SEARCH_TEXT).
    Column("search", TSVECTOR, Computed(SEARCH_TEXT, persisted=True)),
    # The chatroom's owner, copied in as the message is added (a room never changes
    # hands): so a user's replies in flight are counted from their own rows alone, not
    # from every user's. Never read with the message. Messages added before 0020 have it
    # only where they were unfinished or failed (the ones that can be in flight again).
    Column("owner_id", Uuid),
    Index("ix_messages_search", "search", postgresql_using="gin"),
    # A chatroom's messages, newest first, and keyset pages back in time.
    Index("ix_messages_chatroom_time", "chatroom_id", text("created_at DESC"), text("id DESC")),
    # A message's versions (its parent's children), newest first; the first messages of
    # a room have no parent, hence the chatroom in front.
    Index("ix_messages_children", "chatroom_id", "parent_id", text("created_at DESC"), text("id DESC")),
    # The sweeper's question: which replies are unfinished? A small partial index.
    Index(
        "ix_messages_unfinished",
        "created_at",
        postgresql_where=text("status IN ('pending', 'streaming')"),
    ),
    # A send's question: how many of this user's replies are being written?
    Index(
        "ix_messages_unfinished_of_owner",
        "owner_id",
        postgresql_where=text("status IN ('pending', 'streaming')"),
    ),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("reply_id", Uuid, nullable=False),
    PrimaryKeyConstraint("owner_id", "key"),
)

billing_customers = Table(
    "billing_customers",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("customer_id", String(255), nullable=False, unique=True),
)

gems = Table(
    "gems",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("instructions", Text, nullable=False),
    Column("temperature", Float),
    Column("model", String(128)),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    # One person's gems, oldest first.
    Index("ix_gems_owner_created", "owner_id", "created_at", "id"),
)

personal_instructions = Table(
    "personal_instructions",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("about_me", Text, nullable=False),
    Column("response_style", Text, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(255), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("customer_id", String(255)),
    Column("status", String(32), nullable=False),
    Column("current_period_end", Timestamp),
    Column("cancel_at_period_end", Boolean, nullable=False),
    Column("as_of", Timestamp),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("processed_at", Timestamp, nullable=False),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("mime_type", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("pages", Integer),
    Column("message_id", Uuid),
    Index("ix_uploads_owner_created", "owner_id", "created_at"),
    Index("ix_uploads_unattached", "created_at", postgresql_where=text("message_id IS NULL")),
)

# Frozen copies of chats behind unguessable links; gone with the chat or the account.
shares = Table(
    "shares",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("chatroom_id", Uuid, ForeignKey("chatrooms.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("messages", JSONB, nullable=False),
    Index("ix_shares_owner_created", "owner_id", "created_at"),
    Index("ix_shares_chatroom", "chatroom_id"),
)

# Archives of a person's chats; the archive's bytes are in the file store.
exports = Table(
    "exports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(8), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("chatrooms_total", Integer, nullable=False),
    Column("chatrooms_done", Integer, nullable=False),
    Column("size_bytes", BigInteger),
    Column("finished_at", Timestamp),
    Index("ix_exports_owner_created", "owner_id", "created_at"),
    Index("ix_exports_finished", "finished_at"),
)

# Bytes of deleted uploads still to be deleted from the file store, noted with the
# record's deletion: a deletion that fails is finished by the sweeper.
file_deletions = Table(
    "file_deletions",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("noted_at", Timestamp, nullable=False, server_default=text("now()")),
    Index("ix_file_deletions_noted", "noted_at"),
)

# Which message carries which upload: what keeps an upload from being deleted while a
# message shows it, and finds a deleted chatroom's files.
message_attachments = Table(
    "message_attachments",
    metadata,
    Column("message_id", Uuid, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("upload_id", Uuid, ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("message_id", "upload_id"),
    Index("ix_message_attachments_upload", "upload_id"),
)

model_usage = Table(
    "model_usage",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("model", String(128), primary_key=True),
    Column("replies", Integer, nullable=False),
    Column("prompt_tokens", BigInteger, nullable=False),
    Column("response_tokens", BigInteger, nullable=False),
)

daily_usage = Table(
    "daily_usage",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("user_id", "day"),
)
