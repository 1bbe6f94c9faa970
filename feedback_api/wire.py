"""Value types shared by every wire contract: what a database id and a moment may be.

One definition, used by the schemas and the route parameters alike, so that bad values stop at
the door with a 422 instead of breaking something later:

* `DbId` / `OptionalId`: a positive integer that fits a 64-bit signed column. Python integers
  are unbounded; 2**63 in a path used to crash the database driver (500).
* `Moment`: an aware datetime (a naive one means nothing across time zones) between 1970 and
  2100. 9999-12-31 used to be stored, then broke every page that showed it in Vietnam's time
  zone (+07:00 overflows the datetime range).
* `Day`: a calendar date in the same range, for filters.

Pydantic only: the bot's API client imports the schemas that use these.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import annotated_types as at
from pydantic import AfterValidator, AwareDatetime

MAX_DB_INT = 2**63 - 1
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _sane_moment(value: dt.datetime) -> dt.datetime:
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError("thời điểm phải nằm trong khoảng 1970–2100")
    return utc


def _sane_day(value: dt.date) -> dt.date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("ngày phải nằm trong khoảng 1970–2100")
    return value


DbId = Annotated[int, at.Interval(ge=1, le=MAX_DB_INT)]
OptionalId = DbId | None
Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]
Day = Annotated[dt.date, AfterValidator(_sane_day)]
