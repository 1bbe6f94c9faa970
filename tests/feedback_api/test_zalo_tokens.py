"""The Zalo OA's tokens in the feedback database: sealed at rest, one refresh at a time, the new
pair stored whole, an admin page to paste the first pair, and an alert every officer sees when
a refresh failed."""

from __future__ import annotations

import re

from sqlalchemy import text

from feedback_api.zalo import service
from feedback_api.zalo.schemas import ZaloTokensCreate
from tests.feedback_api.conftest import login

ACCESS, REFRESH = "access-token-aaaaaaaa", "refresh-token-rrrrrrrr"


def store(db, settings, access=ACCESS, refresh=REFRESH) -> None:
    data = ZaloTokensCreate(access_token=access, refresh_token=refresh, expires_in=90_000)
    service.store(db_session=db, secret=settings.secret_key, data=data)


def test_tokens_are_sealed_at_rest(db, settings):
    store(db, settings)
    raw = " ".join(str(value) for value in db.execute(text("SELECT * FROM zalo_credentials")).one())
    assert ACCESS not in raw and REFRESH not in raw
    assert service.tokens(db_session=db, secret=settings.secret_key).access_token == ACCESS
    # under another server secret they cannot be opened (and nothing crashes)
    assert service.tokens(db_session=db, secret="another-secret-0123456789abcdef") is None


def test_one_refresh_lease_at_a_time_and_the_pair_is_stored_whole(
    client, db, settings, bot_headers
):
    store(db, settings)
    first = client.post(
        "/api/v1/zalo/tokens/lease", json={"holder": "process-one"}, headers=bot_headers
    ).json()
    second = client.post(
        "/api/v1/zalo/tokens/lease", json={"holder": "process-two"}, headers=bot_headers
    ).json()
    assert first["granted"] and first["refresh_token"] == REFRESH
    assert not second["granted"] and second["refresh_token"] is None
    pair = {"access_token": "access-new-1234", "refresh_token": "refresh-new-1234"}
    stored = client.post(
        "/api/v1/zalo/tokens/refreshed",
        json={"holder": "process-one", "generation": first["generation"], "expires_in": 90_000}
        | pair,
        headers=bot_headers,
    ).json()
    assert stored == {"stored": True}
    # a late write from a refresh that started from the same, now spent, pair is refused
    late = client.post(
        "/api/v1/zalo/tokens/refreshed",
        json={"holder": "process-two", "generation": first["generation"], "expires_in": 90_000}
        | {"access_token": "stale-access-1", "refresh_token": "stale-refresh-1"},
        headers=bot_headers,
    ).json()
    assert late == {"stored": False}
    now = client.get("/api/v1/zalo/tokens", headers=bot_headers).json()
    assert now["access_token"] == "access-new-1234" and now["generation"] == first["generation"] + 1


def test_the_token_routes_need_the_service_token(client, db, settings):
    store(db, settings)
    assert client.get("/api/v1/zalo/tokens").status_code == 401
    assert client.post("/api/v1/zalo/tokens/lease", json={"holder": "someone-x"}).status_code == 401


def test_first_tokens_from_the_environment_never_overwrite_stored_ones(client, bot_headers):
    body = {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 90_000}
    first = client.post("/api/v1/zalo/tokens/initial", json=body, headers=bot_headers)
    assert first.json() == {"stored": True}
    again = body | {"access_token": "env-access-again"}
    assert client.post("/api/v1/zalo/tokens/initial", json=again, headers=bot_headers).json() == {
        "stored": False
    }


def test_an_admin_pastes_tokens_and_sees_their_expiry(client, world, db, settings):
    headers = login(client, "admin")
    page = client.get("/officer/admin/zalo")
    assert page.status_code == 200 and page.template.name == "officer/admin_zalo.html"
    assert not page.context["zalo"].configured
    csrf = page.context["csrf_token"]
    bad = client.post(
        "/officer/admin/zalo",
        data={"csrf_token": csrf, "access_token": "x", "refresh_token": "", "expires_in": "9"},
    )
    assert bad.status_code == 422
    saved = client.post(
        "/officer/admin/zalo",
        data={
            "csrf_token": csrf,
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "expires_in": "90000",
        },
        headers=headers,
    )
    assert saved.status_code == 200 and saved.context["notice"]
    assert saved.context["zalo"].configured and saved.context["zalo"].access_expires_at
    assert ACCESS not in saved.text and REFRESH not in saved.text  # never shown back
    assert service.tokens(db_session=db, secret=settings.secret_key).access_token == ACCESS


def test_only_an_admin_may_open_the_zalo_page(client, world):
    login(client, "officer.a")
    assert client.get("/officer/admin/zalo").status_code == 403


def test_a_failed_refresh_is_an_alert_in_every_officers_view(
    client, world, db, settings, bot_headers
):
    store(db, settings)
    client.post(
        "/api/v1/zalo/tokens/refresh-failed",
        json={"holder": "process-one", "error": "Zalo error -14014: Invalid refresh token"},
        headers=bot_headers,
    )
    login(client, "officer.a")
    inbox = client.get("/officer")
    assert inbox.status_code == 200
    alert = re.search(r'<p class="error" role="alert" id="zalo-alert">(.*?)</p>', inbox.text, re.S)
    assert alert and "-14014" in alert.group(1)
    # a new pair clears it
    store(db, settings, access="access-pasted-1", refresh="refresh-pasted-1")
    assert 'id="zalo-alert"' not in client.get("/officer").text
