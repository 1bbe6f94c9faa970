"""Handling deadlines per kind of submission.

Crime reports: 20 days (Criminal Procedure Code 2015, art. 147: the time to settle a report).
Questions: 5 working days (Saturdays and Sundays skipped; public holidays are not known here, so
a deadline that crosses Tết is a little early rather than late). Opinions: 30 days.
"""

from __future__ import annotations

import datetime as dt

from feedback_api.clock import local_date
from feedback_api.settings import Settings
from feedback_api.submissions.models import Kind


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    current = start
    added = 0
    while added < days:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def due_at(kind: Kind, created_at: dt.datetime, settings: Settings) -> dt.datetime:
    if kind == Kind.TIP:
        return created_at + dt.timedelta(days=settings.tip_deadline_days)
    if kind == Kind.QUESTION:
        return add_working_days(created_at, settings.question_deadline_working_days)
    return created_at + dt.timedelta(days=settings.opinion_deadline_days)


def days_left(due: dt.datetime, now: dt.datetime) -> int:
    """Whole days until the deadline, in Vietnam's calendar; negative once overdue."""
    return (local_date(due) - local_date(now)).days
