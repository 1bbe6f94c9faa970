"""JSON logs: every line of a request carries its id (the proxy's when well-formed), and the
access line keeps no client address, query string or tracking code."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient

from feedback_api import accesslog
from feedback_api.main import create_app
from feedback_api.ops.logs import REQUEST_ID, JsonFormatter


def test_each_request_gets_an_id_and_a_well_formed_proxy_id_is_kept(engine, settings):
    client = TestClient(create_app(settings, engine=engine))
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second and len(first) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-5f2c9a7e01"})
    assert kept.headers["X-Request-ID"] == "nginx-5f2c9a7e01"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\r\nSet-Cookie: a=b"})
    assert forged.headers["X-Request-ID"] != "x\r\nSet-Cookie: a=b"


def _access_record(path: str) -> logging.LogRecord:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:51000", "GET", path, "1.1", 404), None,
    )  # fmt: skip
    accesslog.RedactingFilter().filter(record)
    return record


def test_an_access_line_is_json_without_address_query_or_tracking_code():
    token = REQUEST_ID.set("req-0123456789")
    try:
        line = JsonFormatter().format(_access_record("/api/v1/status/LN-AB12-CD34?q=0912345678"))
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-0123456789"
    assert entry["status"] == 404 and entry["method"] == "GET"
    assert "203.0.113.9" not in line
    assert "AB12" not in line and "0912345678" not in line
    assert entry["level"] == "info"


def test_json_logging_is_switched_on_by_the_setting(engine, settings):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        create_app(settings.model_copy(update={"log_format": "json"}), engine=engine)
        assert any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
    finally:
        root.handlers, _ = saved[0], root.setLevel(saved[1])
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).propagate = True
