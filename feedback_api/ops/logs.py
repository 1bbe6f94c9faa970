"""Structured logs: one JSON object per line (LANGNGHE_LOG_FORMAT=json), each carrying the id
of the request it belongs to, so an operator can follow one request across log lines and
processes (nginx can pass its own id in X-Request-ID).

No personal data at info level: access lines keep method, route path (query dropped, tracking
codes masked by feedback_api.accesslog) and status, but not the client address; messages are
whatever the code logs, and the code logs no tip text, names or phone numbers.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")


class RequestIds:
    """Give every request an id (the proxy's, when well-formed) and answer it in a header.

    Pure ASGI (see feedback_api.ops.metrics.RequestMetrics for why)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = Headers(scope=scope).get(HEADER, "")
        value = supplied if _VALID_ID.fullmatch(supplied) else uuid.uuid4().hex
        # Not reset afterwards: uvicorn writes the access line when the response is sent,
        # after this returns; each request runs in its own task, so nothing leaks across.
        REQUEST_ID.set(value)

        async def with_id(message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = value
            await send(message)

        await self.app(scope, receive, with_id)


def install(app: FastAPI) -> None:
    app.add_middleware(RequestIds)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) >= 5:
            # (client, method, path, http version, status): the client address is left out.
            entry.update(msg="request", method=args[1], path=args[2], status=args[4])
        else:
            entry["msg"] = record.getMessage()
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _RequestIdFilter(logging.Filter):
    """Copy the id while the record is still in the request's context (handlers may run
    later, in another task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


def configure_json(level: int = logging.INFO) -> None:
    """Route the root and uvicorn loggers to one JSON handler on stderr (journald keeps it)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_RequestIdFilter())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler] if name == "" else []
        logger.propagate = name != ""
        logger.setLevel(level)
