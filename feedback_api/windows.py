"""Opening windows, one rule for everything that takes part only for a while: a forum takes
opinions and a quiz takes answers from `opens_at` (included) until `closes_at` (excluded).

One place, so the page badge, the bot's "open" flag, the check when an answer or opinion
arrives and the "open forums near you" query can never disagree about the same instant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from feedback_api.clock import aware, utcnow


class Windowed(Protocol):
    opens_at: dt.datetime
    closes_at: dt.datetime


def is_open(item: Windowed, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return aware(item.opens_at) <= now < aware(item.closes_at)


def has_closed(item: Windowed, now: dt.datetime | None = None) -> bool:
    """Over for good (a window not yet open has not closed)."""
    return aware(item.closes_at) <= (now or utcnow())


def open_at(model: Any, now: dt.datetime) -> tuple:
    """The same rule as SQL conditions on a table with `opens_at` / `closes_at` columns."""
    return (model.opens_at <= now, model.closes_at > now)


def check_order(opens_at: dt.datetime | None, closes_at: dt.datetime | None, message: str) -> None:
    """For the create schemas: a window must close after it opens (`message` says which)."""
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ValueError(message)
