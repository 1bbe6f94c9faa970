"""Quiet hours: no campaign message reaches a citizen at night (21:00–07:00 local by default).

Pure functions of a moment and the settings, so scheduled and running campaigns share one rule
and tests pick the moment.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from feedback_api.settings import Settings


def _clock_time(value: str) -> dt.time:
    hours, _, minutes = value.partition(":")
    return dt.time(int(hours), int(minutes or 0))


def is_quiet(moment: dt.datetime, settings: Settings) -> bool:
    start = _clock_time(settings.broadcast_quiet_start)
    end = _clock_time(settings.broadcast_quiet_end)
    if start == end:
        return False
    local = moment.astimezone(ZoneInfo(settings.broadcast_timezone)).time()
    if start < end:  # e.g. 12:00–13:00
        return start <= local < end
    return local >= start or local < end  # wraps midnight, e.g. 21:00–07:00


def quiet_ends(moment: dt.datetime, settings: Settings) -> dt.datetime:
    """The first moment at or after `moment` outside quiet hours (UTC)."""
    if not is_quiet(moment, settings):
        return moment
    zone = ZoneInfo(settings.broadcast_timezone)
    local = moment.astimezone(zone)
    end = _clock_time(settings.broadcast_quiet_end)
    candidate = dt.datetime.combine(local.date(), end, tzinfo=zone)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate.astimezone(dt.UTC)
