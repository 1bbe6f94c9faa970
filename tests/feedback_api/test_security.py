"""An attacker's view of the feedback API: every way in that a review found, kept as tests.

Each test names the attack it tries. The next review starts here: session fixation, login
CSRF, token revocation, rate-limit bypass with rotating headers, lockout abuse, pixel bombs,
metadata in every attachment type, oversized integers and dates.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from feedback_api.audit.models import AuditEvent
from feedback_api.clock import utcnow
from feedback_api.main import create_app
from feedback_api.officers.models import ApiToken, LoginThrottle
from feedback_api.ratelimit import RateLimiter
from feedback_api.submissions.contacts import UNREADABLE, sealer_for
from tests.feedback_api.conftest import PASSWORD, SERVICE_TOKEN, login, make_tip

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


# --- 3. lockout that slows an attacker, not the owner ----------------------------------------


def _login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_an_attacker_guessing_from_one_address_does_not_lock_the_owner_out(app, world, settings):
    with _client(app, "198.51.100.66") as attacker, _client(app, "203.0.113.10") as owner:
        for _ in range(settings.login_max_failures * 3):
            assert _login(attacker, "admin", "doan-mo-mat-khau").status_code == 401
        # Even the right password is refused from the attacker's address while it waits...
        assert _login(attacker, "admin", PASSWORD).status_code == 401
        # ...while the owner, elsewhere, signs in at once.
        assert _login(owner, "admin", PASSWORD).status_code == 200


def test_backoff_grows_with_each_failure_and_a_success_clears_it(db, world):
    from feedback_api.officers import service as officers
    from feedback_api.officers import throttle

    def wrong():
        with pytest.raises(officers.LoginError):
            officers.authenticate(
                db_session=db, username="officer.a", password="sai", max_failures=3,
                lockout=dt.timedelta(minutes=1), ip="192.0.2.1",
            )  # fmt: skip

    waits = []
    for _ in range(5):
        record = db.get(LoginThrottle, ("officer.a", "192.0.2.1"))
        if record is not None:
            record.blocked_until = None  # let the next try through, to see the next wait
            db.add(record)
            db.commit()
        wrong()
        record = db.get(LoginThrottle, ("officer.a", "192.0.2.1"))
        waits.append(
            record.blocked_until and round((record.blocked_until - utcnow()).total_seconds() / 60)
        )
    assert waits == [None, None, 1, 2, 4]
    record.blocked_until = None
    db.add(record)
    db.commit()
    officers.authenticate(
        db_session=db, username="officer.a", password=PASSWORD, max_failures=3,
        lockout=dt.timedelta(minutes=1), ip="192.0.2.1",
    )  # fmt: skip
    assert throttle.records(db_session=db, username="officer.a") == []


def test_an_admin_unlocks_an_account_and_the_unlock_is_audited(app, world, db, settings):
    with _client(app, "198.51.100.66") as attacker:
        for _ in range(settings.login_max_failures):
            _login(attacker, "officer.a", "sai-mat-khau")
        assert _login(attacker, "officer.a", PASSWORD).status_code == 401
        with _client(app, "203.0.113.10") as admin:
            headers = login(admin, "admin")
            page = admin.get("/officer/admin/officers")
            assert "Mở khóa đăng nhập" in page.text
            officer_id = world.officers["officer_a"].id
            unlocked = admin.post(f"/api/v1/officers/{officer_id}/unlock", headers=headers)
            assert unlocked.status_code == 200 and unlocked.json()["cleared"] == 1
        assert _login(attacker, "officer.a", PASSWORD).status_code == 200
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "officer.unlock")).all()
    assert [e.entity_id for e in events] == [world.officers["officer_a"].id]


def test_unknown_usernames_are_throttled_like_real_ones(app, world, settings):
    with _client(app) as attacker:
        answers = {
            name: [_login(attacker, name, "sai").json()["detail"] for _ in range(7)]
            for name in ("officer.a", "khong.ton.tai")
        }
    assert answers["officer.a"] == answers["khong.ton.tai"]


# --- 4. API tokens: listed, revocable, tied to the password, unable to mint tokens -----------


def _token(client, headers, label="script"):
    response = client.post("/api/v1/officers/me/tokens", headers=headers, json={"label": label})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_a_token_is_listed_and_revoked_and_then_refused(client, world):
    headers = login(client, "officer.a")
    bearer = _token(client, headers)
    [listed] = client.get("/api/v1/officers/me/tokens", headers=headers).json()
    assert listed["label"] == "script" and listed["live"] is True and "token" not in listed
    client.cookies.clear()
    assert client.get("/api/v1/officers/me", headers=bearer).status_code == 200
    assert (
        client.delete(f"/api/v1/officers/me/tokens/{listed['id']}", headers=bearer).status_code
        == 204
    )
    assert client.get("/api/v1/officers/me", headers=bearer).status_code == 401


def test_a_token_cannot_mint_tokens_nor_revoke_another_officers(client, world):
    headers = login(client, "officer.a")
    bearer = _token(client, headers)
    [mine] = client.get("/api/v1/officers/me/tokens", headers=headers).json()
    client.cookies.clear()
    minted = client.post("/api/v1/officers/me/tokens", headers=bearer, json={"label": "more"})
    assert minted.status_code == 403
    other = login(client, "officer.b")
    assert (
        client.delete(f"/api/v1/officers/me/tokens/{mine['id']}", headers=other).status_code == 404
    )


def test_a_password_reset_ends_tokens_and_reactivation_does_not_revive_them(client, world):
    officer_id = world.officers["officer_a"].id
    bearer = _token(client, login(client, "officer.a"))
    client.cookies.clear()
    admin = login(client, "admin")
    reset = client.patch(
        f"/api/v1/officers/{officer_id}", headers=admin, json={"password": "mat-khau-moi-hoan-toan"}
    )
    assert reset.status_code == 200
    assert client.get("/api/v1/officers/me", headers=bearer).status_code == 401

    client.cookies.clear()
    ok = client.post(
        "/api/v1/auth/login", json={"username": "officer.a", "password": "mat-khau-moi-hoan-toan"}
    )
    headers = {"X-CSRF-Token": ok.json()["csrf_token"]}
    # A password the admin chose must first be replaced by the officer's own.
    changed = client.post(
        "/api/v1/officers/me/password",
        headers=headers,
        json={
            "current_password": "mat-khau-moi-hoan-toan",
            "new_password": "mat-khau-cua-rieng-toi",
            "new_password_repeat": "mat-khau-cua-rieng-toi",
        },
    )
    assert changed.status_code == 204
    bearer = _token(client, headers)
    client.cookies.clear()
    admin = login(client, "admin")
    client.patch(f"/api/v1/officers/{officer_id}", headers=admin, json={"active": False})
    client.patch(f"/api/v1/officers/{officer_id}", headers=admin, json={"active": True})
    client.cookies.clear()
    assert client.get("/api/v1/officers/me", headers=bearer).status_code == 401


def test_the_tokens_page_makes_shows_once_and_revokes(client, world, db):
    login(client, "officer.a")
    csrf = client.get("/officer/tokens").context["csrf_token"]
    made = client.post("/officer/tokens", data={"label": "báo cáo tuần", "csrf_token": csrf})
    assert made.status_code == 201 and "lnk_" in made.text
    page = client.get("/officer/tokens")
    assert "báo cáo tuần" in page.text and "lnk_" not in page.text
    [(record, live)] = page.context["tokens"]
    assert live
    revoked = client.post(
        f"/officer/tokens/{record.id}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert db.get(ApiToken, record.id).revoked
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "token.revoke")).all()


# --- 5. contacts never leave in bulk ---------------------------------------------------------


def test_lists_never_carry_contacts_and_the_detail_view_that_does_is_audited(
    client, world, db, settings
):
    tip = make_tip(
        db, settings, anonymity="named", contact_name="Lê Văn Nêu", contact_phone="0912345678"
    )
    headers = login(client, "officer.a")
    listing = client.get("/api/v1/submissions?limit=200", headers=headers)
    assert "0912345678" not in listing.text and "Lê Văn" not in listing.text
    assert (
        client.get("/officer").status_code == 200
        and "0912345678" not in client.get("/officer").text
    )
    views = lambda: db.exec(select(AuditEvent).where(AuditEvent.action == "submission.view")).all()  # noqa: E731
    assert views() == []
    detail = client.get(f"/api/v1/submissions/{tip.id}", headers=headers)
    assert detail.json()["contact_phone"] == "0912345678"
    assert len(views()) == 1


# --- 7. contacts sealed at rest ----------------------------------------------------------------


def test_contact_details_are_encrypted_in_the_database(db, world, settings, engine):
    tip = make_tip(
        db, settings, anonymity="confidential", contact_name="Phạm Kín", contact_phone="0900000002"
    )
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT contact_name, contact_phone FROM submission WHERE id = :i"), {"i": tip.id}
        ).one()
    assert "Phạm" not in row.contact_name and "0900000002" not in row.contact_phone
    sealer = sealer_for(settings.secret_key)
    assert (sealer.open(row.contact_name), sealer.open(row.contact_phone)) == (
        "Phạm Kín",
        "0900000002",
    )
    assert sealer_for("another-secret-entirely-0123456789").open(row.contact_name) == UNREADABLE


def test_the_migration_encrypts_contacts_stored_before_it(tmp_path):
    from feedback_api.db import make_engine
    from feedback_api.migrate import downgrade, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO unit (code, name, kind, path, active) "
                "VALUES ('T', 'Tỉnh', 'province', '/1/', 1)"
            )
        )
        connection.execute(text(
            "INSERT INTO submission (tracking_code, kind, citizen_ref, channel, unit_id, category, "
            "text, anonymity, contact_name, contact_phone, status, priority, valuable, "
            "search_text, due_at, created_at, updated_at) VALUES ('LN-AAAA-BBBB', 'tip', "
            "'cref_12345678', 'web', 1, 'drugs', 'x', 'confidential', 'Tên Thật', '0911222333', "
            "'new', 'normal', 0, '', '9999-12-31 00:00:00', '2026-01-01', '2026-01-01')"
        ))  # fmt: skip
    upgrade(engine, secret_key="migration-secret-0123456789abcdef")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT contact_name, contact_phone, due_at FROM submission")
        ).one()
    sealer = sealer_for("migration-secret-0123456789abcdef")
    assert row.contact_name.startswith("v1:") and sealer.open(row.contact_name) == "Tên Thật"
    assert sealer.open(row.contact_phone) == "0911222333"
    assert str(row.due_at).startswith("2099-12-31")
    downgrade(engine, "0004")
    engine.dispose()


# --- 6. pixel bombs cost nothing ---------------------------------------------------------------


def test_a_small_png_claiming_40_megapixels_is_refused_before_any_decoding(tmp_path, monkeypatch):
    from PIL import Image

    from feedback_api.attachments.storage import AttachmentRejected, AttachmentStore
    from tests.feedback_api.test_attachment_storage import png_bomb

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("decoded a picture that should have been refused from its header")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    bomb = png_bomb(6000, 6600)  # the review's 154 KB, 39.6-megapixel PNG
    assert len(bomb) < 200_000
    with pytest.raises(AttachmentRejected) as refused:
        AttachmentStore(tmp_path).store(bomb)
    assert refused.value.code == "too_large"


def test_a_big_jpeg_is_decoded_at_reduced_scale_within_the_pixel_budget(tmp_path):
    import io

    from PIL import Image

    from feedback_api.attachments.storage import AttachmentStore

    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1600), (90, 30, 200)).save(buffer, "JPEG")
    store = AttachmentStore(tmp_path, max_pixels=1_000_000)  # 3.2 MP photo, 1 MP budget
    stored = store.store(buffer.getvalue())
    assert stored.width * stored.height <= 1_000_000 and (stored.width, stored.height) == (
        1000,
        800,
    )


# --- 7. metadata in every attachment type, through the API -------------------------------------


def _attachment_samples():
    import io

    from tests.feedback_api.media_samples import pdf_with_metadata, video_with_gps
    from tests.feedback_api.test_attachment_storage import XMP, phone_exif, two_tone

    def encode(fmt, **options):
        buffer = io.BytesIO()
        two_tone().save(buffer, fmt, **options)
        return buffer.getvalue()

    return {
        "anh.jpg": encode("JPEG", exif=phone_exif(), xmp=XMP),
        "anh.png": encode("PNG", exif=phone_exif()),
        "anh.webp": encode("WEBP", exif=phone_exif()),
        "anh.gif": encode("GIF", comment=b"secret-comment"),
        "don.pdf": pdf_with_metadata(),
        "clip.mp4": video_with_gps(b"mp42"),
        "IMG_1.mov": video_with_gps(b"qt  "),
    }


def test_no_attachment_type_reaches_officers_with_its_metadata(client, world, db, settings):
    from tests.feedback_api.media_samples import AUTHOR, GPS_ISO6709

    settings.max_attachments_per_submission = 10  # one of each of the 7 kinds on one tip
    tip = make_tip(db, settings)
    bot = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    ids = {}
    for name, content in _attachment_samples().items():
        upload = client.post(
            f"/api/v1/intake/submissions/{tip.tracking_code}/attachments",
            headers=bot,
            files={"file": (name, content)},
        )
        assert upload.status_code == 201, (name, upload.text)
        ids[name] = upload.json()["id"]
    headers = login(client, "officer.a")
    for name, attachment_id in ids.items():
        served = client.get(f"/api/v1/attachments/{attachment_id}", headers=headers)
        assert served.status_code == 200
        for secret in (
            b"SecretPhone",
            b"secret",
            b"xmpmeta",
            AUTHOR.encode(),
            GPS_ISO6709,
            b"Exif",
        ):
            assert secret not in served.content, (name, secret)
        disposition = served.headers["content-disposition"]
        assert disposition.startswith("attachment" if name.endswith(".pdf") else "inline"), name
    admin = login(client, "admin")
    original = client.get(f"/api/v1/attachments/{ids['anh.jpg']}/original", headers=admin)
    assert original.headers["content-disposition"].startswith("attachment")  # never inline


# --- lower: login CSRF and session fixation ---------------------------------------------------


def test_a_cross_site_login_form_cannot_sign_the_victim_into_the_attackers_account(client, world):
    # The attacker's page posts the attacker's credentials; the victim's browser has no login
    # cookie for that form (SameSite=strict), so there is nothing to match.
    forged = client.post(
        "/officer/login",
        data={"username": "officer.b", "password": PASSWORD, "login_csrf": "attacker-made"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "ln_session" not in forged.headers.get("set-cookie", "")
    # Nor can a plain-text or form body reach the JSON login.
    as_text = client.post(
        "/api/v1/auth/login",
        content=f'{{"username": "officer.b", "password": "{PASSWORD}"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert as_text.status_code == 422 and "ln_session" not in as_text.headers.get("set-cookie", "")


def test_a_session_planted_before_login_is_ended_by_the_login(app, world):
    with _client(app) as attacker:
        login(attacker, "officer.b")
        planted = attacker.cookies["ln_session"]
    with _client(app) as victim:
        signed_in = victim.post(
            "/api/v1/auth/login",
            json={"username": "officer.a", "password": PASSWORD},
            headers={"Cookie": f"ln_session={planted}"},
        )
        assert signed_in.status_code == 200 and signed_in.cookies["ln_session"] != planted
    with _client(app) as later:
        later_me = later.get("/api/v1/officers/me", headers={"Cookie": f"ln_session={planted}"})
        assert later_me.status_code == 401  # the planted session is gone


# --- lower: invisible characters, CSRF pages ---------------------------------------------------


def test_right_to_left_overrides_and_zero_width_characters_are_stripped(db, world, settings):
    question = make_tip(
        db, settings, kind="question", category="h\u200bỏi\u202e đáp", anonymity="named",
        contact_name="\u202eNguyễn\u200b Văn\ufeff An\u2066", text="Làm căn cước ở đâu\u200d?",
    )  # fmt: skip
    assert question.category == "hỏi đáp" and question.text == "Làm căn cước ở đâu?"
    assert sealer_for(settings.secret_key).open(question.contact_name) == "Nguyễn Văn An"


def test_a_failed_csrf_check_on_a_page_answers_a_page(client, world, db, settings):
    tip = make_tip(db, settings)
    login(client, "officer.a")
    forged = client.post(f"/officer/submissions/{tip.id}/note", data={"text": "giả mạo"})
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("text/html")
    assert "CSRF" in forged.text


def test_non_ascii_secrets_are_refused_not_server_errors(client, world):
    # Header values may carry any Latin-1 text; comparing such text as str used to raise.
    for name, value in (("Authorization", "Bearer café-token"), ("X-CSRF-Token", "jeton-é")):
        login(client, "officer.a")
        response = client.patch(
            "/api/v1/submissions/1",
            json={"priority": "high"},
            headers={name: value.encode("latin-1")},
        )
        assert response.status_code in (401, 403), response.text
    lease = client.post(
        "/api/v1/outbox/1/ack",
        json={"lease_token": "ẞ" * 10, "outcome": "sent"},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )
    assert lease.status_code < 500
