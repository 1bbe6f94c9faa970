"""Business rules of submissions: intake, triage, replies, duplicates.

Every officer-facing function takes the acting officer and checks role and unit here, so the
REST API and the web view cannot disagree on who may do what.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from faq.normalize import normalize
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.officers.models import Officer
from feedback_api.ops import metrics
from feedback_api.outbox import service as outbox
from feedback_api.permissions import Action, Actor, NotFound
from feedback_api.settings import Settings
from feedback_api.submissions import deadlines, labels, tracking
from feedback_api.submissions.contacts import ContactSealer, sealer_for
from feedback_api.submissions.models import (
    CLOSED,
    Anonymity,
    Kind,
    Note,
    Priority,
    Status,
    Submission,
    SubmissionAddition,
)
from feedback_api.submissions.schemas import (
    AdditionCreate,
    PublicStatus,
    SubmissionCreate,
    SubmissionPublic,
    SubmissionUpdate,
)
from feedback_api.units import routing
from feedback_api.units.models import Unit
from feedback_api.units.service import get_by_code


class SubmissionError(ValueError):
    """A request that breaks a rule; the message is safe to show."""


# Tracked fields for the audit log's before/after.
_AUDITED = (
    "status",
    "priority",
    "valuable",
    "assigned_to_id",
    "unit_id",
    "category",
    "due_at",
    "duplicate_of_id",
    "public_reply",
)

# What the citizen is told when their submission reaches a status: an intent of the bot's text
# catalogue (handlers/texts.py), rendered by the sender; the tracking code is its parameter.
STATUS_NOTICE = {
    Status.VERIFYING: "notice.status.verifying",
    Status.FORWARDED: "notice.status.forwarded",
    Status.RESOLVED: "notice.status.resolved",
    Status.REJECTED: "notice.status.rejected",
    Status.DUPLICATE: "notice.status.duplicate",
}


def _snapshot(submission: Submission) -> dict:
    return {name: getattr(submission, name) for name in _AUDITED}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [name for name in before if before[name] != after[name]]
    return {n: before[n] for n in changed}, {n: after[n] for n in changed}


def _record_change(
    db_session: Session, actor: Actor, submission: Submission, before: dict, action: str
) -> None:
    """Stamp and audit what changed since `before` (nothing changed: nothing recorded)."""
    old, new = _changes(before, _snapshot(submission))
    if not new:
        return
    submission.updated_at = utcnow()
    db_session.add(submission)
    audit.record(
        db_session=db_session,
        actor=actor,
        action=action,
        entity_type="submission",
        entity_id=submission.id,
        before=old,
        after=new,
    )


def _search_text(data: SubmissionCreate) -> str:
    return normalize(" ".join(filter(None, [data.text, data.location_text, data.topic])))


def _default_unit(db_session: Session) -> Unit:
    unit = db_session.exec(
        select(Unit).where(col(Unit.parent_id).is_(None)).order_by(col(Unit.id))
    ).first()
    if unit is None:
        raise SubmissionError("no unit is configured: import units first (langnghe units import)")
    return unit


def _unit_at(db_session: Session, data: SubmissionCreate, settings: Settings) -> Unit | None:
    """With no unit named, a location inside a commune's boundary still routes it there (a
    client that does not ask "where" must not leave every tip at the province)."""
    if data.latitude is None or data.longitude is None:
        return None
    found = routing.resolve_point(
        db_session=db_session, latitude=data.latitude, longitude=data.longitude, radius_km=0
    )
    boundary = [m for m in found.data if m.reason == "boundary"]
    return get_by_code(db_session=db_session, code=boundary[0].code) if boundary else None


# -- intake (the bot, with the service token) ---------------------------------------------------


@functools.cache
def _insert_ignoring_conflicts(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id for either backend: a replayed
    idempotency key or a colliding tracking code inserts nothing and returns no row. Built once
    and executed with parameters: building `.values(...)` per request cost more than running it.
    """
    module = sqlite_dialect if dialect == "sqlite" else postgresql_dialect
    table = Submission.__table__
    return module.insert(table).on_conflict_do_nothing().returning(table.c.id)


# What intake writes; the other columns keep their defaults.
_INTAKE_COLUMNS = (
    "tracking_code", "kind", "citizen_ref", "channel", "idempotency_key", "unit_id", "category",
    "topic", "text", "location_text", "latitude", "longitude", "anonymity", "contact_name",
    "contact_phone", "status", "priority", "valuable", "search_text", "details", "due_at",
    "created_at", "updated_at",
)  # fmt: skip


@functools.cache
def _insert_audited():
    """PostgreSQL: the submission and its audit row in one statement (a data-modifying CTE).
    It returns the new id, or nothing when the insert hit a conflict (and audits nothing)."""
    table = Submission.__table__
    new = (
        postgresql_dialect.insert(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in _INTAKE_COLUMNS})
        .on_conflict_do_nothing()
        .returning(table.c.id)
        .cte("new_submission")
    )
    return audit.insert_for_each(new, action="submission.create", entity_type="submission")


def _intake_connection(db_session: Session):
    """The session's connection; on PostgreSQL in autocommit when the session has not begun
    (the intake route's own session): its one INSERT is atomic by itself, and BEGIN and
    COMMIT were two of the five round trips a tip took (README, load benchmark)."""
    if db_session.in_transaction() or db_session.get_bind().dialect.name != "postgresql":
        return db_session.connection()
    return db_session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def create(*, db_session: Session, data: SubmissionCreate, settings: Settings) -> Submission:
    """Accept a submission durably. Idempotent: the same idempotency key returns the original.

    Unknown or missing unit codes fall back to the top unit, so a citizen's tip is never refused
    because they named a commune the registry does not know; officers re-route it.

    This is the hot path of a campaign peak, so it is written as three statements of SQL core
    (INSERT … ON CONFLICT DO NOTHING RETURNING, the audit row, COMMIT) instead of a
    look-up-then-insert through the ORM's unit of work, which took most of the server's CPU
    per request (README, load benchmark). A replay or a tracking-code collision inserts
    nothing; the replay is then read back by its key.
    """
    connection = _intake_connection(db_session)
    unit_id = _unit_id(db_session, data, settings)
    now = utcnow()
    kind = Kind(data.kind)
    named = data.anonymity != "anonymous"
    sealer = sealer_for(settings.secret_key)
    postgres = connection.dialect.name == "postgresql"
    after = {"kind": str(kind), "unit_id": unit_id, "channel": data.channel}
    for _attempt in range(5):
        values = {
            "tracking_code": tracking.new_code(),
            "kind": kind.value,
            "citizen_ref": data.citizen_ref,
            "channel": data.channel,
            "idempotency_key": data.idempotency_key,
            "unit_id": unit_id,
            "category": data.category or "other",
            "topic": data.topic,
            "text": data.text,
            "location_text": data.location_text,
            "latitude": data.latitude,
            "longitude": data.longitude,
            "anonymity": Anonymity(data.anonymity).value,
            "contact_name": sealer.seal(data.contact_name) if named else None,
            "contact_phone": sealer.seal(data.contact_phone) if named else None,
            "status": Status.NEW.value,
            "priority": Priority.NORMAL.value,
            "valuable": False,
            "search_text": _search_text(data),
            "details": data.details.model_dump(mode="json") if data.details else None,
            "due_at": deadlines.due_at(kind, now, settings),
            "created_at": now,
            "updated_at": now,
        }
        if postgres:  # the row and its audit event in one statement
            audited = {**values, "audit_at": now, "audit_after": audit.after_value(after)}
            new_id = connection.execute(_insert_audited(), audited).scalar()
        else:
            new_id = connection.execute(_insert_ignoring_conflicts("sqlite"), values).scalar()
        if new_id is None:
            if data.idempotency_key:  # a replay, or a concurrent retry that won the race
                existing = db_session.exec(
                    select(Submission).where(Submission.idempotency_key == data.idempotency_key)
                ).first()
                if existing is not None:
                    return existing
            continue  # tracking code collision: draw again
        if not postgres:
            audit.insert_row(
                connection=connection,
                action="submission.create",
                entity_type="submission",
                entity_id=new_id,
                after=after,
                at=now,
            )
        db_session.commit()
        metrics.submission_created(kind=kind.value, channel=data.channel)
        submission = Submission(id=new_id, **values)
        make_transient_to_detached(submission)  # persistent without reading it back
        db_session.add(submission)
        return submission
    raise SubmissionError("could not allocate a tracking code")


_UNIT_ID = select(Unit.__table__.c.id).where(Unit.__table__.c.code == bindparam("code"))


def _unit_id(db_session: Session, data: SubmissionCreate, settings: Settings) -> int:
    if data.unit_code:
        found = db_session.connection().execute(_UNIT_ID, {"code": data.unit_code}).scalar()
        if found is not None:
            return found
    unit = _unit_at(db_session, data, settings) or _default_unit(db_session)
    return unit.id


def by_code(*, db_session: Session, code: str) -> Submission:
    """The submission with this tracking code, however the citizen typed it; NotFound else.

    For the bot's calls (service token): officers go through `find_by_code`, which scopes."""
    canonical = tracking.canonical(code)
    submission = (
        canonical
        and db_session.exec(select(Submission).where(Submission.tracking_code == canonical)).first()
    )
    if not submission:
        raise NotFound("tracking code")
    return submission


TOO_MANY_LOOKUPS = "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."


def citizen_lookup_key(citizen_ref: str) -> str:
    """The status limiter's key for a citizen the bot names (one bucket per citizen)."""
    return "citizen:" + citizen_ref[:80]


class TooManyLookups(Exception):
    """The caller's status lookups are used up for now (against guessing codes)."""


def limited_status(*, db_session: Session, limiter, key: str, code: str) -> PublicStatus:
    """A public status lookup under the per-caller limit (`limiter`: the server's shared one,
    `key`: the caller, e.g. the citizen the bot names). Commits the limiter's take."""
    if not limiter.allow(key, db_session=db_session):
        raise TooManyLookups(key)
    return public_status(db_session=db_session, code=code)


def public_status(*, db_session: Session, code: str) -> PublicStatus:
    submission = by_code(db_session=db_session, code=code)
    unit = db_session.get(Unit, submission.unit_id)
    return PublicStatus(
        tracking_code=submission.tracking_code,
        kind=str(submission.kind),
        status=str(submission.status),
        status_label=labels.STATUS[str(submission.status)],
        public_reply=submission.public_reply,
        updated_at=submission.updated_at,
        unit_name=unit.name if unit else None,
    )


# -- officers -----------------------------------------------------------------------------------


def get_in_reach(*, db_session: Session, actor: Actor, submission_id: int) -> Submission:
    """The submission if the actor may see it; NotFound otherwise (no hint it exists)."""
    actor.require(Action.VIEW_SUBMISSIONS)
    submission = db_session.get(Submission, submission_id)
    unit = db_session.get(Unit, submission.unit_id) if submission else None
    if submission is None or unit is None or not actor.reaches(unit.path):
        raise NotFound("submission")
    return submission


def find_by_code(*, db_session: Session, actor: Actor, code: str) -> Submission:
    submission = by_code(db_session=db_session, code=code)
    return get_in_reach(db_session=db_session, actor=actor, submission_id=submission.id)


def view(
    *, db_session: Session, actor: Actor, submission_id: int, ip: str | None = None
) -> Submission:
    """Open a submission's detail; every view is audited (who read which tip, when)."""
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="submission.view",
        entity_type="submission",
        entity_id=submission.id,
        ip=ip,
    )
    db_session.commit()
    return submission


def history(*, db_session: Session, actor: Actor, submission_id: int) -> list:
    """A submission's audit trail for its detail page. Who opened it is shown to those who may
    browse the audit log only: reading the list of readers is itself sensitive."""
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    events = audit.history(db_session=db_session, entity_type="submission", entity_id=submission.id)
    if actor.can(Action.VIEW_AUDIT):
        return events
    return [event for event in events if event.action != "submission.view"]


def contact_visible(actor: Actor, submission: Submission) -> bool:
    if submission.anonymity == Anonymity.NAMED:
        return actor.can(Action.VIEW_CONTACT)
    if submission.anonymity == Anonymity.CONFIDENTIAL:
        return actor.can(Action.VIEW_CONFIDENTIAL_CONTACT)
    return False


def to_public(
    submission: Submission,
    actor: Actor,
    *,
    attachment_count: int = 0,
    contacts: ContactSealer | None = None,
    now: dt.datetime | None = None,
) -> SubmissionPublic:
    """The officer's view. Contact details appear only when `contacts` (the sealer that opens
    them) is given, which only the audited detail view does, and only if the role may see
    them: lists and the answers to changes never carry them, so no bulk read reveals anyone."""
    now = now or utcnow()
    show_contact = contacts is not None and contact_visible(actor, submission)
    return SubmissionPublic(
        id=submission.id,
        tracking_code=submission.tracking_code,
        kind=str(submission.kind),
        channel=submission.channel,
        unit_id=submission.unit_id,
        category=submission.category,
        topic=submission.topic,
        text=submission.text,
        location_text=submission.location_text,
        latitude=submission.latitude,
        longitude=submission.longitude,
        anonymity=str(submission.anonymity),
        contact_name=contacts.open(submission.contact_name) if show_contact else None,
        contact_phone=contacts.open(submission.contact_phone) if show_contact else None,
        status=str(submission.status),
        priority=str(submission.priority),
        valuable=submission.valuable,
        assigned_to_id=submission.assigned_to_id,
        duplicate_of_id=submission.duplicate_of_id,
        public_reply=submission.public_reply,
        due_at=submission.due_at,
        days_left=deadlines.days_left(submission.due_at, now),
        overdue=submission.status not in CLOSED and submission.due_at < now,
        created_at=submission.created_at,
        updated_at=submission.updated_at,
        attachment_count=attachment_count,
        details=submission.details,
    )


# A duplicate notice waits this long before the sender may deliver it: an officer who undoes
# a wrong "duplicate" within the window takes it back before the citizen reads it.
DUPLICATE_NOTICE_DELAY = dt.timedelta(minutes=15)


def _set_status(db_session: Session, submission: Submission, status: Status) -> None:
    """Change the status and tell the citizen, once: a notice already queued or sent for this
    submission is never queued again (a status undone and redone does not repeat itself)."""
    if submission.status == status:
        return
    submission.status = status
    submission.closed_at = utcnow() if status in CLOSED else None
    notice = STATUS_NOTICE.get(status)
    if notice is None:
        return
    params = {"code": submission.tracking_code}
    if outbox.already_queued(
        db_session=db_session,
        submission_id=submission.id,
        purpose="status",
        intent=notice,
        params=params,
    ):
        return
    outbox.enqueue(
        db_session=db_session,
        citizen_ref=submission.citizen_ref,
        intent=notice,
        params=params,
        purpose="status",
        submission_id=submission.id,
        not_before=utcnow() + DUPLICATE_NOTICE_DELAY if status == Status.DUPLICATE else None,
    )


def update(
    *, db_session: Session, actor: Actor, submission_id: int, data: SubmissionUpdate
) -> Submission:
    actor.require(Action.TRIAGE)
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    before = _snapshot(submission)
    if data.unit_id is not None and data.unit_id != submission.unit_id:
        allowed_units = {u.id for u in reroute_targets(db_session=db_session, actor=actor)}
        if data.unit_id not in allowed_units:
            raise SubmissionError("đơn vị không hợp lệ")
        submission.unit_id = data.unit_id
    allowed = {o.id for o in assignable(db_session=db_session, unit_id=submission.unit_id)}
    if data.unassign:
        submission.assigned_to_id = None
    elif data.assigned_to_id is not None:
        # Whatever the client sends: only an officer who can see the item may be assigned.
        if data.assigned_to_id not in allowed:
            raise SubmissionError("cán bộ được phân công không thuộc đơn vị phụ trách")
        submission.assigned_to_id = data.assigned_to_id
    elif submission.assigned_to_id is not None and submission.assigned_to_id not in allowed:
        submission.assigned_to_id = None  # re-routed out of the assignee's sight
    if data.priority is not None:
        submission.priority = Priority(data.priority)
    if data.valuable is not None:
        submission.valuable = data.valuable
    if data.category is not None:
        submission.category = data.category
    if data.due_at is not None:
        submission.due_at = data.due_at
    if data.status is not None:
        if data.status == "duplicate" and submission.duplicate_of_id is None:
            raise SubmissionError("dùng chức năng 'đánh dấu trùng' để chỉ ra tin gốc")
        if data.status != Status.DUPLICATE and submission.status == Status.DUPLICATE:
            _unlink_duplicate(db_session, submission)  # no stale link on a reopened tip
        _set_status(db_session, submission, Status(data.status))
    _record_change(db_session, actor, submission, before, "submission.update")
    db_session.commit()
    return submission


TRIAGE_ROLES = ("officer", "admin")


def reroute_targets(*, db_session: Session, actor: Actor) -> list[Unit]:
    """Where an actor may move a submission: any unit in their reach, and for an officer below
    the top also their own parent unit, so a commune can hand a misrouted item back to the
    province desk (which re-routes it). Never sideways: a commune does not push work onto its
    neighbour. Every move is audited."""
    if not actor.can(Action.TRIAGE):
        return []
    units = list(db_session.exec(select(Unit).where(col(Unit.active)).order_by(col(Unit.path))))
    parent_path = actor.unit_path.rsplit("/", 2)[0] + "/"
    return [u for u in units if actor.reaches(u.path) or u.path == parent_path]


def assignable(*, db_session: Session, unit_id: int) -> list[Officer]:
    """Who may be assigned a unit's submission: active triage officers who can see it, i.e.
    attached to the submission's unit or a unit above it. Never a neighbouring commune, and
    never a unit below (a commune officer cannot open a province item: they would get 404)."""
    target = db_session.get(Unit, unit_id)
    if target is None:
        return []
    units = {u.id: u for u in db_session.exec(select(Unit))}
    return [
        officer
        for officer in db_session.exec(
            select(Officer).where(col(Officer.active)).order_by(col(Officer.full_name))
        )
        if str(officer.role) in TRIAGE_ROLES
        and officer.unit_id in units
        and target.path.startswith(units[officer.unit_id].path)
    ]


def add_note(*, db_session: Session, actor: Actor, submission_id: int, text: str) -> Note:
    actor.require(Action.TRIAGE)
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    note = Note(submission_id=submission.id, author_id=actor.officer_id, text=text)
    db_session.add(note)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="submission.note",
        entity_type="submission",
        entity_id=submission.id,
        after={"note_id": note.id, "text": text},
    )
    db_session.commit()
    return note


def notes(*, db_session: Session, actor: Actor, submission_id: int) -> list[Note]:
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    return list(
        db_session.exec(
            select(Note).where(Note.submission_id == submission.id).order_by(col(Note.id))
        )
    )


def reply(*, db_session: Session, actor: Actor, submission_id: int, text: str) -> Submission:
    """Answer the citizen: the reply becomes the public reply and is queued for delivery.

    The officer never learns where it goes; the bot's sender resolves the citizen reference.
    """
    actor.require(Action.TRIAGE)
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    before = submission.public_reply
    submission.public_reply = text
    submission.updated_at = utcnow()
    db_session.add(submission)
    outbox.enqueue(
        db_session=db_session,
        citizen_ref=submission.citizen_ref,
        intent=f"notice.reply.{submission.kind}",
        params={"code": submission.tracking_code, "text": text},
        purpose="reply",
        submission_id=submission.id,
    )
    audit.record(
        db_session=db_session,
        actor=actor,
        action="submission.reply",
        entity_type="submission",
        entity_id=submission.id,
        before={"public_reply": before},
        after={"public_reply": text},
    )
    db_session.commit()
    return submission


def duplicate_target(
    *, db_session: Session, actor: Actor, submission_id: int, original: str
) -> tuple[Submission, Submission]:
    """The submission and the original it would be linked to (the root of the original's own
    duplicate chain), checked but not changed: what the confirmation page shows."""
    actor.require(Action.TRIAGE)
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    target = (
        get_in_reach(db_session=db_session, actor=actor, submission_id=int(original))
        if original.strip().isascii() and original.strip().isdigit()
        else find_by_code(db_session=db_session, actor=actor, code=original)
    )
    if target.id == submission.id:
        raise SubmissionError("một tin không thể trùng với chính nó")
    seen = {submission.id}
    cursor = target
    while cursor.duplicate_of_id is not None:  # follow the chain to its root, refusing cycles
        if cursor.duplicate_of_id in seen:
            raise SubmissionError("liên kết trùng tạo thành vòng lặp")
        seen.add(cursor.id)
        cursor = db_session.get(Submission, cursor.duplicate_of_id)
    return submission, cursor


def mark_duplicate(
    *, db_session: Session, actor: Actor, submission_id: int, original: str
) -> Submission:
    """Link a submission to the one it repeats and close it as a duplicate. The citizen's
    notice waits DUPLICATE_NOTICE_DELAY, so an undo soon after takes it back unsent."""
    submission, root = duplicate_target(
        db_session=db_session, actor=actor, submission_id=submission_id, original=original
    )
    before = _snapshot(submission)
    submission.duplicate_of_id = root.id
    _set_status(db_session, submission, Status.DUPLICATE)
    _record_change(db_session, actor, submission, before, "submission.duplicate")
    db_session.commit()
    return submission


def _status_before_duplicate(db_session: Session, submission: Submission) -> Status:
    """The status the submission had when it was last marked a duplicate (the audit log holds
    it; a re-link from one original to another did not change the status and is skipped)."""
    for event in reversed(
        audit.history(db_session=db_session, entity_type="submission", entity_id=submission.id)
    ):
        if event.action == "submission.duplicate" and event.before:
            previous = json.loads(event.before).get("status")
            if previous and previous != Status.DUPLICATE:
                return Status(previous)
    return Status.NEW


def _unlink_duplicate(db_session: Session, submission: Submission) -> None:
    """Drop the duplicate link and withdraw the citizen's duplicate notice if still waiting."""
    submission.duplicate_of_id = None
    outbox.withdraw_pending(
        db_session=db_session,
        submission_id=submission.id,
        purpose="status",
        intent=STATUS_NOTICE[Status.DUPLICATE],
        params={"code": submission.tracking_code},
    )


def undo_duplicate(*, db_session: Session, actor: Actor, submission_id: int) -> Submission:
    """Take a wrong "duplicate" back: the status it had before and no link. The citizen is not
    told anything new: a notice still waiting is withdrawn, one already sent is not followed by
    a correction. Idempotent: a submission that is not a duplicate is returned unchanged."""
    actor.require(Action.TRIAGE)
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    if submission.status != Status.DUPLICATE:
        return submission
    before = _snapshot(submission)
    previous = _status_before_duplicate(db_session, submission)
    submission.status = previous
    submission.closed_at = utcnow() if previous in CLOSED else None
    _unlink_duplicate(db_session, submission)
    _record_change(db_session, actor, submission, before, "submission.duplicate_undo")
    db_session.commit()
    return submission


# -- the citizen adds to their own submission --------------------------------------------------

RECENT_FOR_EDITS = 50  # an edit is matched against the citizen's latest submissions


def add_from_citizen(*, db_session: Session, data: AdditionCreate) -> Submission:
    """Record a correction or an addition from the submission's own citizen. The original text
    is never changed: officers see what was first sent and what was added, with times.
    NotFound (no hint it exists) when the code or message is not this citizen's."""
    submission = None
    if data.tracking_code:
        code = tracking.canonical(data.tracking_code)
        found = (
            code
            and db_session.exec(select(Submission).where(Submission.tracking_code == code)).first()
        )
        if found and secrets.compare_digest(found.citizen_ref, data.citizen_ref):
            submission = found
    else:
        recent = db_session.exec(
            select(Submission)
            .where(Submission.citizen_ref == data.citizen_ref)
            .order_by(col(Submission.id).desc())
            .limit(RECENT_FOR_EDITS)
        ).all()
        submission = next(
            (s for s in recent if data.message_id in (s.details or {}).get("message_ids", [])),
            None,
        )
    if submission is None:
        raise NotFound("submission")
    db_session.add(SubmissionAddition(submission_id=submission.id, kind=data.kind, text=data.text))
    submission.updated_at = utcnow()
    db_session.add(submission)
    audit.record(
        db_session=db_session,
        actor=None,
        action=f"submission.{data.kind}",
        entity_type="submission",
        entity_id=submission.id,
    )
    db_session.commit()
    return submission


def additions_for(*, db_session: Session, submission_id: int) -> list[SubmissionAddition]:
    """Oldest first (the caller has already checked the submission is in the actor's reach)."""
    return list(
        db_session.exec(
            select(SubmissionAddition)
            .where(SubmissionAddition.submission_id == submission_id)
            .order_by(col(SubmissionAddition.id))
        ).all()
    )
