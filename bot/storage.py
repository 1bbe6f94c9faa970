"""The bot side's own tables: contacts, conversation state, received Telegram updates, web chat.

They hold channel identifiers (chat ids), so they are kept apart from feedback_api's tables:
feedback_api never reads them and knows citizens only by the opaque reference. By default they
live in their own SQLite file (var/bot.db); any SQLAlchemy URL works (PostgreSQL in production).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine

from feedback_api.pool import ping_when_idle

metadata = MetaData()

contacts = Table(
    "bot_contact",
    metadata,
    Column("citizen_ref", String(40), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("blocked", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_bot_contact_channel_external"),
)

conversation_state = Table(
    "bot_conversation",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

telegram_updates = Table(
    "bot_telegram_update",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    # The raw update, only until it is processed ({} afterwards): it identifies the sender.
    Column("payload", JSON, nullable=False),
    # Until processed: keeps one chat's updates in order (indexed: every record looks for an
    # earlier open update of its chat).
    Column("chat_id", String(32), index=True),
    # pending → processing → handled → done, failed (retried) or quarantined (with reason)
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("replies", JSON),  # the engine's answer, stored before it is sent
    Column("sent", Integer, nullable=False, default=0),  # how many replies went out
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True)),
)

# Submissions the feedback API could not take yet (down, overloaded), retried with backoff
# under their idempotency key. The row is deleted once the citizen has their tracking code, so
# no code is kept beside a citizen reference after delivery.
pending_submissions = Table(
    "bot_pending_submission",
    metadata,
    Column("idempotency_key", String(80), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("citizen_ref", String(64), nullable=False),
    Column("submission", JSON, nullable=False),
    Column("files", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, index=True),
    Column("tracking_code", String(32)),  # accepted, the citizen not told yet
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

webchat_messages = Table(
    "bot_webchat_message",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("direction", String(3), nullable=False),  # "in" / "out"
    Column("message", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Each web chat message a page sent, by the id the page gave it: a retry after a lost answer
# (the message was stored, the reply never reached the phone) is recognised and answered from
# the conversation, never stored or answered twice. Kept as long as the session's messages.
webchat_requests = Table(
    "bot_webchat_request",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("client_id", String(64), primary_key=True),
    Column("done", Boolean, nullable=False, default=False),  # the engine has answered
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Zalo events as received (bot/channels/zalo_log.py): recorded before the 200, processed once
# per key (message.msg_id; Zalo resends). The payload is erased once processed.
zalo_events = Table(
    "bot_zalo_event",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("chat_id", String(80), index=True),  # one citizen's events in order
    Column("payload", JSON, nullable=False),
    # pending → processing → handled (replies stored) → done, or failed (retried)
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("replies", JSON),
    Column("sent", Integer, nullable=False, default=0),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("processed_at", DateTime(timezone=True)),
)

# What Zalo's rules need to know about each citizen: when they last wrote (the consultation
# window), and how many messages the OA sent them per local day (quotas).
zalo_users = Table(
    "bot_zalo_user",
    metadata,
    Column("user_id", String(80), primary_key=True),
    Column("last_inbound_at", DateTime(timezone=True)),
)

zalo_quota = Table(
    "bot_zalo_quota",
    metadata,
    Column("scope", String(80), primary_key=True),  # a user id, or "*" for the whole OA
    Column("day", String(10), primary_key=True),  # local (Vietnam) date, ISO
    Column("count", Integer, nullable=False, default=0),
)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_bot_engine(url: str) -> Engine:
    """Create the engine and the bot's tables (idempotent; they are few and additive)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = create_engine(url)
        ping_when_idle(engine)
    metadata.create_all(engine)
    _add_missing_columns(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """create_all never alters an existing table: add the nullable columns and the indexes
    added since (the bot's tables are few and change only additively)."""
    existing = inspect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if not existing.has_table(table.name):
                continue
            present = {column["name"] for column in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(
                        text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                    )
            for index in table.indexes:
                index.create(connection, checkfirst=True)
