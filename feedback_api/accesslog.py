"""Keep tracking codes and search terms out of the access log.

A tracking code is the key to a citizen's tip, and officers search by phone numbers and names:
neither belongs in a log file that operators copy around. uvicorn logs every request as
(client, method, path?query, version, status) on the "uvicorn.access" logger; this filter
rewrites the path before any handler sees it: the query string is dropped and anything shaped
like a tracking code becomes LN-…. Installed by create_app, once per process.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_CODE = re.compile(r"LN-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}", re.IGNORECASE)


def redact_path(path: str) -> str:
    path, _, query = path.partition("?")
    path = _CODE.sub("LN-…", path)
    return f"{path}?…" if query else path


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def install() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
