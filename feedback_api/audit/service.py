"""Writing and reading the audit log. Writers never commit: the caller's transaction does,
so a change and its audit record land together or not at all."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import bindparam, insert, literal, null
from sqlalchemy import select as core_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, and_, col, or_, select

from feedback_api.audit.models import AuditEvent
from feedback_api.permissions import Action, Actor

PAGE_SIZE = 50


def _dump(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def record(
    *,
    db_session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
) -> None:
    db_session.add(
        AuditEvent(
            actor_id=actor.officer_id if actor else None,
            actor=actor.label if actor else "system",
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=_dump(before),
            after=_dump(after),
            ip=ip,
        )
    )


def insert_row(
    *,
    connection: Connection,
    action: str,
    entity_type: str,
    entity_id: int | None,
    at: dt.datetime,
    after: dict | None = None,
) -> None:
    """The same record as `record` by the system (no officer), as one SQL-core INSERT on the
    caller's connection and transaction: for the intake's hot path, where the ORM's unit of
    work cost more than the statement."""
    connection.execute(
        _INSERT,
        {
            "at": at,
            "actor_id": None,
            "actor": "system",
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": None,
            "after": _dump(after),
            "ip": None,
        },
    )


_INSERT = insert(AuditEvent.__table__)


def insert_for_each(new_rows, *, action: str, entity_type: str):
    """An INSERT of the system's audit row for every row of `new_rows` (a CTE with an `id`
    column, such as an INSERT … RETURNING id), returning the audited ids; bound parameters
    `audit_at` and `audit_after` (see `after_value`). On PostgreSQL the change and its audit
    row are then one statement, atomic even in autocommit: the intake's hot path saves the
    round trips of a second INSERT, BEGIN and COMMIT (README, load benchmark)."""
    table = AuditEvent.__table__
    rows = core_select(
        bindparam("audit_at", type_=table.c.at.type),
        null(),
        literal("system"),
        literal(action),
        literal(entity_type),
        new_rows.c.id,
        null(),
        bindparam("audit_after", type_=table.c.after.type),
        null(),
    )
    columns = ["at", "actor_id", "actor", "action", "entity_type", "entity_id", "before"]
    return insert(table).from_select([*columns, "after", "ip"], rows).returning(table.c.entity_id)


def after_value(after: dict | None) -> str | None:
    """`after` as the audit log stores it (for `insert_for_each`'s `audit_after`)."""
    return _dump(after)


def browse(
    *,
    db_session: Session,
    actor: Actor,
    action: str | None = None,
    actor_id: int | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[AuditEvent]:
    """Newest first, keyset-paginated by id. Admins only; an admin below the top of the unit
    tree sees the events of officers and submissions in their own subtree only."""
    actor.require(Action.VIEW_AUDIT)
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(min(limit, 200))
    if not actor.at_top:
        query = query.where(_within(actor.unit_path))
    if action:
        query = query.where(col(AuditEvent.action).startswith(action))
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if before_id:
        query = query.where(col(AuditEvent.id) < before_id)
    return list(db_session.exec(query))


def _within(unit_path: str):
    from feedback_api.officers.models import Officer
    from feedback_api.submissions.models import Submission
    from feedback_api.units.models import Unit

    units = select(Unit.id).where(col(Unit.path).startswith(unit_path))
    officers = select(Officer.id).where(col(Officer.unit_id).in_(units))
    submissions = select(Submission.id).where(col(Submission.unit_id).in_(units))
    return or_(
        col(AuditEvent.actor_id).in_(officers),
        and_(AuditEvent.entity_type == "submission", col(AuditEvent.entity_id).in_(submissions)),
        and_(AuditEvent.entity_type == "officer", col(AuditEvent.entity_id).in_(officers)),
    )


def history(*, db_session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """A record's own history, oldest first (shown on its detail page)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.id))
    )
    return list(db_session.exec(query))


def viewed_since(
    *, db_session: Session, actor_id: int, submission_id: int, since: dt.datetime
) -> bool:
    """Whether this officer opened this submission's detail (an audited view) since `since`."""
    found = db_session.exec(
        select(AuditEvent.id).where(
            AuditEvent.action == "submission.view",
            AuditEvent.actor_id == actor_id,
            AuditEvent.entity_type == "submission",
            AuditEvent.entity_id == submission_id,
            col(AuditEvent.at) >= since,
        )
    ).first()
    return found is not None
