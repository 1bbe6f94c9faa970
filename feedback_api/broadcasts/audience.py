"""Who a campaign reaches: active subscribers in the chosen units' subtrees, on the chosen
topics. Counting and expansion share one filter.

Expansion writes the audience into per-recipient delivery rows with INSERT … SELECT, one chunk
of subscription ids at a time, so no recipient list ever passes through Python: a million
recipients cost a few hundred statements, not a million objects.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, insert, literal, or_, select
from sqlmodel import Session, col

from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery, DeliveryState
from feedback_api.clock import utcnow
from feedback_api.subscriptions.models import Subscription
from feedback_api.units.models import Unit


def unit_ids_of(broadcast: Broadcast) -> list[int]:
    return [int(x) for x in broadcast.audience_unit_ids.split(",") if x]


def topics_of(broadcast: Broadcast) -> list[str]:
    return [x for x in broadcast.audience_topics.split(",") if x]


def unit_paths(db_session: Session, *, author_unit_id: int, unit_ids: list[int]) -> list[str]:
    ids = unit_ids or [author_unit_id]
    return list(db_session.exec(select(Unit.path).where(col(Unit.id).in_(ids))).scalars())


def _where(paths: list[str], topics: list[str]):
    conditions = [
        col(Subscription.active).is_(True),
        or_(*[col(Unit.path).startswith(path, autoescape=True) for path in paths]),
    ]
    if topics:
        wrapped = literal(",") + col(Subscription.topics) + literal(",")
        conditions.append(or_(*[wrapped.contains(f",{topic},") for topic in topics]))
    return and_(*conditions)


def _joined(*columns):
    return select(*columns).select_from(Subscription).join(Unit, Unit.id == Subscription.unit_id)


def count(db_session: Session, *, paths: list[str], topics: list[str]) -> int:
    if not paths:
        return 0
    query = _joined(func.count()).where(_where(paths, topics))
    return int(db_session.exec(query).scalar_one())


def expand_chunk(
    db_session: Session, *, broadcast: Broadcast, chunk: int, now: dt.datetime | None = None
) -> int:
    """Write the next chunk of the audience as pending deliveries; returns how many. Marks the
    expansion done when nothing is left. The caller holds the campaign row locked and commits."""
    paths = unit_paths(
        db_session, author_unit_id=broadcast.unit_id, unit_ids=unit_ids_of(broadcast)
    )
    where = and_(
        _where(paths, topics_of(broadcast)), col(Subscription.id) > broadcast.expanded_through
    )
    ids = _joined(Subscription.id).where(where).order_by(col(Subscription.id)).limit(chunk)
    upper = db_session.exec(select(func.max(ids.subquery().c.id))).scalar_one() if paths else None
    if upper is None:
        broadcast.expansion_done = True
        db_session.add(broadcast)
        return 0
    target = BroadcastDelivery.__table__
    rows = _joined(
        literal(broadcast.id),
        col(Subscription.citizen_ref),
        literal(0),
        literal(DeliveryState.PENDING.value),
        literal(0),
        literal((now or utcnow()).astimezone(dt.UTC), type_=target.c.not_before.type),
    ).where(where, col(Subscription.id) <= upper)
    # INSERT … SELECT reports no rowcount through psycopg here, so the chunk is counted first.
    added = int(
        db_session.exec(
            _joined(func.count()).where(where, col(Subscription.id) <= upper)
        ).scalar_one()
    )
    db_session.exec(
        insert(target).from_select(
            ["broadcast_id", "citizen_ref", "test_seq", "state", "attempts", "not_before"], rows
        )
    )
    broadcast.expanded_through = upper
    broadcast.recipients += added
    db_session.add(broadcast)
    return added
