"""The delivery engine's server side: workers claim batches of deliveries, then step through
them — each step reports finished sends and asks to start more — under the shared rate bucket.

Every claim first does the housekeeping any worker can do: expired leases are taken over (rows
never started go back to `pending`; rows left in `sending` become `unknown`, see models.py),
due campaigns start, one chunk of each running campaign's audience is expanded, and finished
campaigns are closed. So there is no coordinator: any number of workers, any may crash.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never wait for each other's rows.
On SQLite every transaction here begins with a write, which takes the database's write lock
first: claims are serialised and just as exclusive (one worker is the intended setup there).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from feedback_api.audit import service as audit
from feedback_api.broadcasts import audience, quiet, ratebucket
from feedback_api.broadcasts.models import (
    OPEN_STATES,
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryState,
)
from feedback_api.broadcasts.schemas import (
    Claim,
    Content,
    DeliveryOutcome,
    LeasedDelivery,
    Link,
    StepResult,
)
from feedback_api.broadcasts.service import due_moment
from feedback_api.clock import utcnow
from feedback_api.db import is_sqlite
from feedback_api.settings import Settings
from feedback_api.subscriptions.models import Subscription

S, D = BroadcastStatus, DeliveryState
MAX_BACKOFF = 300.0


_LOCK = (
    update(Broadcast.__table__)
    .where(Broadcast.__table__.c.id < 0)
    .values(id=Broadcast.__table__.c.id)
)


def _write_lock(db_session: Session) -> None:
    """SQLite: take the write lock before reading (see the module docstring)."""
    if is_sqlite(db_session.get_bind()):
        db_session.execute(_LOCK)


def _locking(db_session: Session, query):
    return query if is_sqlite(db_session.get_bind()) else query.with_for_update(skip_locked=True)


# -- housekeeping -------------------------------------------------------------------------------


def expire_leases(db_session: Session, now: dt.datetime) -> None:
    expired = col(BroadcastDelivery.lease_expires_at) < now
    db_session.exec(
        update(BroadcastDelivery)
        .where(col(BroadcastDelivery.state) == D.LEASED, expired)
        .values(state=D.PENDING, lease_token=None, lease_expires_at=None)
    )
    # The one ambiguous case: the worker died between "sending" and its outcome. The message
    # may or may not have reached the citizen, so it is reported and never sent again.
    db_session.exec(
        update(BroadcastDelivery)
        .where(col(BroadcastDelivery.state) == D.SENDING, expired)
        .values(
            state=D.UNKNOWN,
            lease_token=None,
            lease_expires_at=None,
            last_error="worker lost while sending: delivery unknown, not re-sent",
        )
    )


def start_due(db_session: Session, settings: Settings, now: dt.datetime) -> None:
    if quiet.is_quiet(now, settings):
        return
    for broadcast in db_session.exec(select(Broadcast).where(Broadcast.status == S.APPROVED)):
        if due_moment(broadcast) > now:
            continue
        changed = db_session.exec(
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast.id, col(Broadcast.status) == S.APPROVED)
            .values(status=S.RUNNING, started_at=now, updated_at=now)
        ).rowcount
        if changed:
            audit.record(
                db_session=db_session,
                actor=None,
                action="broadcast.start",
                entity_type="broadcast",
                entity_id=broadcast.id,
                after={"status": S.RUNNING},
            )


def expand(db_session: Session, settings: Settings, now: dt.datetime) -> None:
    query = select(Broadcast).where(
        col(Broadcast.status).in_([S.RUNNING, S.PAUSED]),
        col(Broadcast.expansion_done).is_(False),
    )
    for broadcast in db_session.exec(_locking(db_session, query)):
        audience.expand_chunk(
            db_session, broadcast=broadcast, chunk=settings.broadcast_expand_chunk, now=now
        )


def finish(db_session: Session, now: dt.datetime) -> None:
    query = select(Broadcast).where(
        Broadcast.status == S.RUNNING, col(Broadcast.expansion_done).is_(True)
    )
    for broadcast in db_session.exec(query):
        open_row = db_session.exec(
            select(BroadcastDelivery.id)
            .where(
                BroadcastDelivery.broadcast_id == broadcast.id,
                col(BroadcastDelivery.state).in_(OPEN_STATES),
                BroadcastDelivery.test_seq == 0,
            )
            .limit(1)
        ).first()
        if open_row is not None:
            continue
        changed = db_session.exec(
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast.id, col(Broadcast.status) == S.RUNNING)
            .values(status=S.DONE, finished_at=now, updated_at=now)
        ).rowcount
        if changed:
            audit.record(
                db_session=db_session,
                actor=None,
                action="broadcast.finish",
                entity_type="broadcast",
                entity_id=broadcast.id,
                after={"status": S.DONE, "recipients": broadcast.recipients},
            )


def housekeeping(db_session: Session, settings: Settings, now: dt.datetime) -> None:
    _write_lock(db_session)
    expire_leases(db_session, now)
    start_due(db_session, settings, now)
    expand(db_session, settings, now)
    finish(db_session, now)
    db_session.commit()


# -- claim ----------------------------------------------------------------------------------------


def _content(broadcast: Broadcast) -> Content:
    return Content(
        broadcast_id=broadcast.id,
        text=broadcast.text,
        links=[Link.model_validate(x) for x in json.loads(broadcast.links)],
        has_image=bool(broadcast.image_name),
    )


def claim(
    *,
    db_session: Session,
    settings: Settings,
    limit: int,
    lease_seconds: int,
    now: dt.datetime | None = None,
) -> Claim:
    """Lease up to `limit` due deliveries under one fresh token (test sends first)."""
    now = (now or utcnow()).astimezone(dt.UTC)
    housekeeping(db_session, settings, now)
    _write_lock(db_session)
    due = (col(BroadcastDelivery.state) == D.PENDING) & (col(BroadcastDelivery.not_before) <= now)
    tests = select(BroadcastDelivery).where(due, col(BroadcastDelivery.test_seq) > 0).limit(limit)
    rows = list(db_session.exec(_locking(db_session, tests)))
    if not quiet.is_quiet(now, settings):
        running = db_session.exec(select(Broadcast.id).where(Broadcast.status == S.RUNNING))
        for broadcast_id in list(running):
            if len(rows) >= limit:
                break
            query = (
                select(BroadcastDelivery)
                .where(
                    BroadcastDelivery.broadcast_id == broadcast_id,
                    due,
                    BroadcastDelivery.test_seq == 0,
                )
                .limit(limit - len(rows))
            )
            rows.extend(db_session.exec(_locking(db_session, query)))
    if not rows:
        db_session.commit()
        return Claim(lease_token=None, deliveries=[], contents={})
    token = secrets.token_hex(16)
    expires = now + dt.timedelta(seconds=lease_seconds)
    ids = [row.id for row in rows]
    db_session.exec(
        update(BroadcastDelivery)
        .where(col(BroadcastDelivery.id).in_(ids))
        .values(state=D.LEASED, lease_token=token, lease_expires_at=expires)
    )
    broadcast_ids = {row.broadcast_id for row in rows}
    broadcasts = db_session.exec(select(Broadcast).where(col(Broadcast.id).in_(broadcast_ids)))
    contents = {b.id: _content(b) for b in broadcasts}
    deliveries = [
        LeasedDelivery(
            id=row.id,
            broadcast_id=row.broadcast_id,
            citizen_ref=row.citizen_ref,
            test=row.test_seq > 0,
        )
        for row in rows
    ]
    db_session.commit()
    return Claim(lease_token=token, deliveries=deliveries, contents=contents)


# -- step -----------------------------------------------------------------------------------------


def _record(
    db_session: Session,
    settings: Settings,
    token: str,
    outcomes: list[DeliveryOutcome],
    now: dt.datetime,
    clock: Callable[[], float],
) -> None:
    """Record finished sends. The common case — every one sent — is one UPDATE for the whole
    step; the rest (rare: errors, 429s, blocks, skips) are read and written row by row."""
    sent = [o.id for o in outcomes if o.outcome == "sent"]
    if sent:
        db_session.execute(_SENT, {"ids": sent, "token": token, "now": now})
    by_id = {o.id: o for o in outcomes if o.outcome != "sent"}
    if not by_id:
        return
    rows = db_session.exec(
        select(BroadcastDelivery).where(
            col(BroadcastDelivery.id).in_(list(by_id)),
            BroadcastDelivery.lease_token == token,
            col(BroadcastDelivery.state).in_([D.SENDING, D.LEASED]),
        )
    )
    blocked_refs: list[str] = []
    longest_hold = 0.0
    for row in rows:
        outcome = by_id[row.id]
        if row.state == D.LEASED and outcome.outcome not in ("failed", "blocked", "skipped"):
            continue  # only sends in flight can have been sent, retried or rate limited
        row.lease_token, row.lease_expires_at = None, None
        row.last_error = (outcome.error or outcome.outcome)[:300]
        if outcome.outcome == "unknown":  # may have been delivered: reported, never re-sent
            row.state = D.UNKNOWN
        elif outcome.outcome == "skipped":  # the platform's rules forbid it: never retried
            row.state = D.SKIPPED
        elif outcome.outcome == "blocked":
            row.state = D.BLOCKED
            blocked_refs.append(row.citizen_ref)
        elif outcome.outcome == "rate_limited":  # not delivered: the platform refused it
            hold = outcome.retry_after or 1.0
            longest_hold = max(longest_hold, hold)
            row.state = D.PENDING
            row.not_before = now + dt.timedelta(seconds=hold)
        elif outcome.outcome == "retry" and row.attempts + 1 < settings.broadcast_max_attempts:
            row.attempts += 1
            row.state = D.PENDING
            backoff = min(MAX_BACKOFF, settings.broadcast_retry_base_seconds * 2.0**row.attempts)
            row.not_before = now + dt.timedelta(seconds=outcome.retry_after or backoff)
        else:
            row.attempts += outcome.outcome == "retry"
            row.state = D.FAILED
        db_session.add(row)
    if blocked_refs:  # the citizen blocked the bot: unsubscribed, for every campaign
        db_session.exec(
            update(Subscription)
            .where(col(Subscription.citizen_ref).in_(blocked_refs), col(Subscription.active))
            .values(active=False, ended_reason="blocked", updated_at=now)
        )
    if longest_hold:
        ratebucket.pause(
            db_session=db_session, settings=settings, seconds=longest_hold, clock=clock
        )
    db_session.flush()


_D, _B, _SUB = BroadcastDelivery.__table__, Broadcast.__table__, Subscription.__table__
_F = _D.alias("in_flight")
# Built once (a step runs for every ten sends of every worker): the asked-for rows still leased
# to this token, with what decides whether each may start — its campaign's status, whether the
# citizen is still subscribed — and how many sends this lease has in flight, in one statement.
_CANDIDATES = (
    select(
        _D.c.id,
        _D.c.test_seq,
        _B.c.status,
        select(_SUB.c.id)
        .where(_SUB.c.citizen_ref == _D.c.citizen_ref, _SUB.c.active.is_(True))
        .exists(),
        select(func.count())
        .select_from(_F)
        .where(_F.c.lease_token == bindparam("token"), _F.c.state == D.SENDING)
        .scalar_subquery(),
    )
    .join(_B, _B.c.id == _D.c.broadcast_id)
    .where(
        _D.c.id.in_(bindparam("ids", expanding=True)),
        _D.c.lease_token == bindparam("token"),
        _D.c.state == D.LEASED,
    )
)
_SENT = (
    update(_D)
    .where(
        _D.c.id.in_(bindparam("ids", expanding=True)),
        _D.c.lease_token == bindparam("token"),
        _D.c.state == D.SENDING,
    )
    .values(state=D.SENT, sent_at=bindparam("now"), lease_token=None, lease_expires_at=None)
)
_START = (
    update(_D)
    .where(_D.c.id.in_(bindparam("ids", expanding=True)))
    .values(state=D.SENDING, lease_expires_at=bindparam("until"))
)


def step(
    *,
    db_session: Session,
    settings: Settings,
    lease_token: str,
    outcomes: list[DeliveryOutcome],
    start: list[int],
    renew_seconds: int | None = None,
    lease_seconds: int = 60,
    now: dt.datetime | None = None,
    clock: Callable[[], float] | None = None,
) -> StepResult:
    now = (now or utcnow()).astimezone(dt.UTC)
    clock = clock or (lambda: now.timestamp())
    _write_lock(db_session)
    if outcomes:
        _record(db_session, settings, lease_token, outcomes, now, clock)
    mine = col(BroadcastDelivery.lease_token) == lease_token
    if renew_seconds:
        db_session.exec(
            update(BroadcastDelivery)
            .where(mine, col(BroadcastDelivery.state).in_([D.LEASED, D.SENDING]))
            .execution_options(synchronize_session=False)
            .values(lease_expires_at=now + dt.timedelta(seconds=renew_seconds))
        )
    started: list[int] = []
    send_at: list[float] = []
    dropped: list[int] = []
    wait = 0.0
    if start:
        d = _D
        order = {delivery_id: n for n, delivery_id in enumerate(start)}
        rows = db_session.execute(_CANDIDATES, {"ids": start, "token": lease_token}).all()
        rows.sort(key=lambda r: order[r[0]])
        found = {r[0] for r in rows}
        dropped.extend(i for i in start if i not in found)  # cancelled or taken over
        quiet_now = quiet.is_quiet(now, settings)
        ok, release, skip = [], [], []
        for delivery_id, test_seq, status, subscribed, _ in rows:
            if test_seq > 0:
                ok.append(delivery_id)
            elif status != S.RUNNING or quiet_now:
                release.append(delivery_id)
            elif not subscribed:
                skip.append(delivery_id)
            else:
                ok.append(delivery_id)
        if release:
            db_session.execute(
                update(d)
                .where(d.c.id.in_(release))
                .values(state=D.PENDING, lease_token=None, lease_expires_at=None)
            )
        if skip:
            db_session.execute(
                update(d)
                .where(d.c.id.in_(skip))
                .values(
                    state=D.SKIPPED,
                    lease_token=None,
                    lease_expires_at=None,
                    last_error="unsubscribed",
                )
            )
        dropped.extend(release + skip)
        in_flight = rows[0][4] if rows else 0
        room = max(0, settings.broadcast_max_in_flight - in_flight)
        wanted = min(room, len(ok))
        if wanted:
            send_at, wait = ratebucket.take(
                db_session=db_session, settings=settings, wanted=wanted, clock=clock
            )
            started = ok[: len(send_at)]
            if started:
                until = now + dt.timedelta(seconds=lease_seconds)
                db_session.execute(_START, {"ids": started, "until": until})
    db_session.commit()
    return StepResult(
        started=started,
        send_at=send_at,
        dropped=dropped,
        wait=min(wait, 3600.0),
        spacing=1.0 / ratebucket.rate_of(settings),
    )
