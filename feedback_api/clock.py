"""One notion of "now" for the whole server: timezone-aware UTC, stored as UTC everywhere.

Dates that people read (deadlines, "days left", reports by day) are Vietnam's: UTC+7 all year.
"""

from __future__ import annotations

import datetime as dt

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(VIETNAM).date()


def start_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=VIETNAM)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment as aware UTC (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
