"""The Jinja2 environment of the officer web view (autoescaped: citizen text is hostile)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.templating import Jinja2Templates

from feedback_api.clock import VIETNAM
from feedback_api.officers.labels import ROLE
from feedback_api.pages.landing import landing_path
from feedback_api.static_files import static_url
from feedback_api.submissions import labels
from feedback_api.units.labels import UNIT_KIND

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def local_time(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VIETNAM).strftime(fmt)


templates.env.filters["local_time"] = local_time
templates.env.globals.update(
    STATUS=labels.STATUS,
    KIND=labels.KIND,
    CATEGORY=labels.CATEGORY,
    ANONYMITY=labels.ANONYMITY,
    PRIORITY=labels.PRIORITY,
    ROLE=ROLE,
    landing=landing_path,
    UNIT_KIND=UNIT_KIND,
    static_url=static_url,
)
