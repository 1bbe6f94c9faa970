"""An attacker's view of the feedback API: every way in that a review found, kept as tests.

Each test names the attack it tries. The next review starts here: session fixation, login
CSRF, token revocation, rate-limit bypass with rotating headers, lockout abuse, pixel bombs,
metadata in every attachment type, oversized integers and dates.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from feedback_api.main import create_app
from feedback_api.ratelimit import RateLimiter
from tests.feedback_api.conftest import SERVICE_TOKEN

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
