"""An attacker's view of the feedback API: every way in that a review found, kept as tests.

Each test names the attack it tries. The next review starts here: session fixation, login
CSRF, token revocation, rate-limit bypass with rotating headers, lockout abuse, pixel bombs,
metadata in every attachment type, oversized integers and dates.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from feedback_api.main import create_app
from feedback_api.ratelimit import RateLimiter
from tests.feedback_api.conftest import SERVICE_TOKEN, login, make_tip

UNKNOWN = "/api/v1/status/LN-0000-0000"


def _client(app, address: str = "203.0.113.7") -> TestClient:
    return TestClient(app, client=(address, 40000))


# --- 1. rate limits keyed on what the server knows ------------------------------------------


def test_a_made_up_citizen_ref_per_request_does_not_buy_more_lookups(app, world):
    with _client(app) as attacker:
        answers = [
            attacker.get(UNKNOWN, headers={"X-Citizen-Ref": f"made-up-{i}"}).status_code
            for i in range(12)
        ]
    assert answers[:10] == [404] * 10 and answers[10:] == [429, 429]


def test_a_rotating_forwarded_for_from_loopback_is_not_believed(app, world):
    with _client(app, "127.0.0.1") as attacker:
        answers = [
            attacker.get(UNKNOWN, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(12)
        ]
    assert answers[10:] == [429, 429]


def test_behind_a_trusted_proxy_each_client_is_limited_by_the_address_the_proxy_saw(
    engine, settings, world
):
    settings.trusted_proxies = ["10.0.0.0/8"]
    app = create_app(settings, engine=engine)
    with _client(app, "10.0.0.2") as proxy:
        # The client put a fake address on the left; the proxy appended the real one.
        spoofed = [
            proxy.get(
                UNKNOWN, headers={"X-Forwarded-For": f"192.0.2.{i}, 203.0.113.50"}
            ).status_code
            for i in range(11)
        ]
        other = proxy.get(UNKNOWN, headers={"X-Forwarded-For": "203.0.113.51"})
    assert spoofed[-1] == 429 and other.status_code == 404


def test_the_bot_with_its_token_may_name_the_citizen_it_looks_up_for(app, world):
    bot = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    with _client(app) as client:
        for _ in range(10):
            client.get(UNKNOWN, headers={**bot, "X-Citizen-Ref": "cref_a"})
        assert client.get(UNKNOWN, headers={**bot, "X-Citizen-Ref": "cref_a"}).status_code == 429
        assert client.get(UNKNOWN, headers={**bot, "X-Citizen-Ref": "cref_b"}).status_code == 404


def test_the_limiter_forgets_idle_keys_and_never_holds_more_than_its_bound():
    now = [0.0]
    limiter = RateLimiter(2, 60, max_keys=1000, clock=lambda: now[0])
    for i in range(5000):
        limiter.allow(f"key-{i}")
    assert len(limiter) == 1000
    assert limiter.allow("hot") and limiter.allow("hot") and not limiter.allow("hot")
    now[0] = 61.0
    assert limiter.allow("fresh") and len(limiter) == 1  # everything idle was dropped
    now[0] = 91.0
    assert limiter.allow("fresh")  # half a window refilled one token


# --- lower: the access log ------------------------------------------------------------------


def test_the_access_log_keeps_no_tracking_codes_or_search_terms():
    import logging

    from feedback_api import accesslog

    accesslog.install()
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/api/v1/status/LN-7K3M-Q9PX?x=1", "1.1", 200), None,
    )  # fmt: skip
    for path in ("/api/v1/status/ln7k3mq9px", "/officer?q=0912345678"):
        redacted = accesslog.redact_path(path)
        assert "7k3m" not in redacted and "0912" not in redacted
    logging.getLogger("uvicorn.access").filter(record)
    assert "Q9PX" not in record.getMessage() and "x=1" not in record.getMessage()


# --- 2 and 8: extreme numbers and dates stop at the door ------------------------------------

BIG = str(2**63)


@pytest.mark.parametrize(
    "due_at",
    ["9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z", "2026-12-31T10:00:00", "9999-12-31"],
)
def test_a_deadline_out_of_range_or_without_time_zone_is_refused_and_the_inbox_still_works(
    client, world, db, settings, due_at
):
    tip = make_tip(db, settings)
    headers = login(client, "officer.a")
    response = client.patch(
        f"/api/v1/submissions/{tip.id}", json={"due_at": due_at}, headers=headers
    )
    assert response.status_code == 422
    assert client.get("/api/v1/submissions", headers=headers).status_code == 200
    assert client.get("/officer").status_code == 200
    ok = client.patch(
        f"/api/v1/submissions/{tip.id}",
        json={"due_at": "2026-12-31T10:00:00+07:00"},
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["due_at"].startswith("2026-12-31T03:00:00")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/v1/submissions/{BIG}", None),
        ("GET", f"/api/v1/submissions?cursor={BIG}", None),
        ("GET", f"/api/v1/submissions?unit_id={BIG}", None),
        ("GET", "/api/v1/submissions?created_from=0001-01-01", None),
        ("GET", "/api/v1/submissions?created_to=9999-12-31", None),
        ("GET", f"/api/v1/attachments/{BIG}", None),
        ("GET", f"/api/v1/audit?entity_id={BIG}", None),
        ("GET", "/api/v1/audit?since=0001-01-01T00:00:00", None),
        ("PATCH", "/api/v1/submissions/1", {"assigned_to_id": int(BIG)}),
        ("PATCH", f"/api/v1/officers/{BIG}", {"active": True}),
        ("POST", "/api/v1/officers", {"username": "x.y", "full_name": "X", "role": "officer",
                                      "unit_id": int(BIG), "password": "mat-khau-du-dai"}),
        ("GET", f"/officer/submissions/{BIG}", None),
        ("GET", f"/officer?unit_id={BIG}&created_from=0001-01-01", None),
        ("GET", f"/officer/audit?entity_id={BIG}&day=0001-01-01", None),
    ],
)  # fmt: skip
def test_integers_past_64_bits_and_extreme_dates_are_bad_input_not_server_errors(
    client, world, method, path, body
):
    headers = login(client, "admin")
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code in (400, 404, 422) or (
        path.startswith("/officer") and response.status_code == 200
    ), (response.status_code, response.text[:300])
