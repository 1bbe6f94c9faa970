"""Queueing, leasing and acknowledging messages to citizens."""

from __future__ import annotations

import datetime as dt
import json
import secrets

from sqlalchemy import exists, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, or_, select

from feedback_api.broadcasts import ratebucket
from feedback_api.clock import utcnow
from feedback_api.db import is_sqlite
from feedback_api.officers.security import same_secret
from feedback_api.outbox.models import OutboxMessage, OutboxState
from feedback_api.settings import Settings

MAX_ATTEMPTS = 8
# Telegram: about one message a second to one chat; the margin covers the time between our
# clock at send and the platform's at arrival (a slow first request, a prompt second one).
PER_CHAT_SECONDS = 1.1
# PostgreSQL advisory lock key (any constant unique to this purpose): one lease at a time.
LEASE_LOCK = 0x4C4E_0001


def _encoded(params: dict | None) -> str:
    return json.dumps(params or {}, ensure_ascii=False, sort_keys=True)


def enqueue(
    *,
    db_session: Session,
    citizen_ref: str,
    purpose: str,
    intent: str = "",
    params: dict[str, str | int] | None = None,
    text: str = "",
    submission_id: int | None = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue a message: its intent (a key of the bot's text catalogue) and the values it names;
    the sender renders the words at send time. The caller commits (so a reply and its message
    land together). `not_before` holds it back, e.g. while an officer may still undo what it
    announces. `text` is for a message with no intent (a literal, e.g. in tests)."""
    message = OutboxMessage(
        citizen_ref=citizen_ref,
        text=text,
        intent=intent,
        params=_encoded(params),
        purpose=purpose,
        submission_id=submission_id,
    )
    if not_before is not None:
        message.not_before = not_before
    db_session.add(message)
    return message


def _same(submission_id: int, purpose: str, intent: str, params: dict | None):
    return (
        OutboxMessage.submission_id == submission_id,
        OutboxMessage.purpose == purpose,
        OutboxMessage.intent == intent,
        OutboxMessage.params == _encoded(params),
    )


def already_queued(
    *, db_session: Session, submission_id: int, purpose: str, intent: str, params: dict | None
) -> bool:
    """Whether this very message about this submission is queued, being sent or sent (a failed
    one does not count): the citizen is not told the same thing twice."""
    found = db_session.exec(
        select(OutboxMessage.id).where(
            *_same(submission_id, purpose, intent, params),
            col(OutboxMessage.state) != OutboxState.FAILED,
        )
    ).first()
    return found is not None


def withdraw_pending(
    *, db_session: Session, submission_id: int, purpose: str, intent: str, params: dict | None
) -> int:
    """Withdraw this message if no sender holds it yet (pending): it is marked failed with the
    reason, so the outbox still shows what was nearly sent. Returns how many were withdrawn. A
    leased or sent message is out of our hands and stays."""
    pending = list(
        db_session.exec(
            select(OutboxMessage).where(
                *_same(submission_id, purpose, intent, params),
                OutboxMessage.state == OutboxState.PENDING,
            )
        )
    )
    for message in pending:
        message.state = OutboxState.FAILED
        message.last_error = "withdrawn before delivery"
        db_session.add(message)
    return len(pending)


def lease(
    *,
    db_session: Session,
    limit: int,
    lease_seconds: int,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> list[OutboxMessage]:
    """Hand out up to `limit` due messages, each under a fresh lease token.

    One citizen's messages are with one sender at a time, whichever process it runs in: a
    citizen with a message under a live lease, or one sent less than PER_CHAT_SECONDS ago, is
    skipped (their messages wait for the next lease), so the per-chat limit and the order of a
    citizen's messages hold across processes. On PostgreSQL leases take turns on an advisory
    lock (a lease is one short transaction) — without it two concurrent leases could each take
    a different message of the same citizen; SQLite serialises writers anyway.

    `settings` is accepted for compatibility; the rate is no longer debited here: the sender
    reserves its send slots from the shared bucket once it knows each message's platform.
    """
    now = now or utcnow()
    postgres = not is_sqlite(db_session.get_bind())
    if postgres:
        db_session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=LEASE_LOCK))
    due = or_(
        col(OutboxMessage.state) == OutboxState.PENDING,
        (col(OutboxMessage.state) == OutboxState.LEASED)
        & (col(OutboxMessage.lease_expires_at) < now),
    )
    other = aliased(OutboxMessage)
    busy = exists().where(
        other.citizen_ref == OutboxMessage.citizen_ref,
        or_(
            (other.state == OutboxState.LEASED) & (other.lease_expires_at >= now),
            other.sent_at > now - dt.timedelta(seconds=PER_CHAT_SECONDS),
        ),
    )
    query = (
        select(OutboxMessage)
        .where(due, col(OutboxMessage.not_before) <= now, ~busy)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    messages = list(db_session.exec(query))
    for message in messages:
        message.state = OutboxState.LEASED
        message.lease_token = secrets.token_hex(16)
        message.lease_expires_at = now + dt.timedelta(seconds=lease_seconds)
        message.attempts += 1
        db_session.add(message)
    db_session.commit()
    return messages


def reserve_slots(
    *, db_session: Session, settings: Settings, channel: str, count: int
) -> list[float]:
    """Send slots (epoch seconds) from the platform's shared bucket, for messages a sender or
    a conversation is about to send as the bot; the same bucket paces campaigns."""
    slots = ratebucket.reserve(db_session=db_session, settings=settings, count=count, name=channel)
    db_session.commit()
    return slots


def pause_sending(*, db_session: Session, settings: Settings, channel: str, seconds: float) -> None:
    """A 429 seen by any process pauses the platform's shared bucket for all of them."""
    ratebucket.pause(db_session=db_session, settings=settings, seconds=seconds, name=channel)
    db_session.commit()


def ack(
    *,
    db_session: Session,
    message_id: int,
    lease_token: str,
    outcome: str,
    error: str | None = None,
    retry_after: float | None = None,
    now: dt.datetime | None = None,
) -> tuple[OutboxMessage | None, bool]:
    """Record a delivery outcome. Returns (message, accepted); a stale lease is not accepted."""
    now = now or utcnow()
    message = db_session.get(OutboxMessage, message_id)
    if message is None:
        return None, False
    if message.state != OutboxState.LEASED or not same_secret(lease_token, message.lease_token):
        return message, False
    message.lease_token = None
    message.lease_expires_at = None
    message.last_error = error[:500] if error else None
    if outcome == "sent":
        message.state = OutboxState.SENT
        message.sent_at = now
    elif (
        outcome == "blocked"
        and retry_after is not None
        and message.purpose != "broadcast"
        and message.attempts < MAX_ATTEMPTS
    ):
        # A reply to a citizen who blocked the bot is held, not dropped: if they unblock it
        # within the attempts, it reaches them. (Broadcasts to them simply end.)
        message.state = OutboxState.PENDING
        message.not_before = now + dt.timedelta(seconds=retry_after)
    elif outcome == "retry" and message.attempts < MAX_ATTEMPTS:
        message.state = OutboxState.PENDING
        backoff = retry_after if retry_after is not None else min(3600, 2**message.attempts)
        message.not_before = now + dt.timedelta(seconds=backoff)
    else:  # failed, blocked, or out of attempts
        message.state = OutboxState.FAILED
    db_session.add(message)
    db_session.commit()
    return message, True
