"""One notion of "now" for the whole server: naive UTC, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
