"""An officer's first day, as a new officer lives it: signing in lands on a page the role may
use, the password can be changed (and recovered from the server when the only admin mistypes
it), pages are never kept by the browser, errors keep the navigation, and every role and unit
kind reads in Vietnamese."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from feedback_api.audit.models import AuditEvent
from feedback_api.officers.labels import ROLE
from feedback_api.officers.models import Officer
from feedback_api.officers.schemas import ROLES
from feedback_api.permissions import ROLE_ACTIONS
from feedback_api.subscriptions import service as subscriptions
from feedback_api.subscriptions.schemas import SubscriptionSet
from feedback_api.units.labels import UNIT_KIND
from tests.feedback_api.conftest import PASSWORD, login, make_tip
from tests.feedback_api.test_pages import login_token, post_form, sign_in

NEW_PASSWORD = "mat-khau-cua-rieng-toi-2026"


def csrf_of(client, path: str = "/officer/account") -> str:
    return client.get(path).context["csrf_token"]


def try_login(client, username: str, password: str):
    return client.post(
        "/officer/login",
        data={"username": username, "password": password, "login_csrf": login_token(client)},
        follow_redirects=False,
    )


# -- where each role lands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "landing", "template"),
    [
        ("admin", "/officer", "officer/inbox.html"),
        ("officer.a", "/officer", "officer/inbox.html"),
        ("leader.a", "/officer", "officer/inbox.html"),
        ("campaign.a", "/officer/broadcasts", "officer/broadcasts.html"),
    ],
)
def test_every_role_lands_on_a_page_it_may_use(client, world, username, landing, template):
    signed_in = try_login(client, username, PASSWORD)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, landing)
    page = client.get(landing)
    assert page.status_code == 200
    assert page.template.name == template
    # The brand link and the login page (when already signed in) lead to the same place.
    assert page.context["actor"].username == username
    again = client.get("/officer/login", follow_redirects=False)
    assert again.headers["location"] == landing
    home = client.get("/officer")  # the old landing URL still works for every role
    assert (home.status_code, home.template.name) == (200, template)


def test_every_role_has_a_landing_in_the_test_above():
    assert set(ROLE_ACTIONS) == set(ROLES) == {"admin", "officer", "leader", "campaign"}


def test_campaign_home_counts_subscribers_in_reach_only(client, world, db):
    for ref, code in (("cref_one", "XA"), ("cref_two", "XA"), ("cref_three", "PB")):
        subscriptions.subscribe(
            db_session=db, data=SubscriptionSet(citizen_ref=ref, unit_code=code, topics=["fraud"])
        )
    subscriptions.end(db_session=db, citizen_ref="cref_two", reason="stop")
    sign_in(client, "campaign.a")
    page = client.get("/officer/campaign")
    assert page.template.name == "officer/campaign.html"
    assert [(r.unit.code, r.active) for r in page.context["rows"]] == [("XA", 1)]
    assert page.context["total"] == 1
    nav = page.text.split("</nav>")[0]
    assert 'href="/officer/campaign"' in nav and 'href="/officer"' not in nav.split("brand")[1]
    assert 'action="/officer/logout"' in page.text
    client.cookies.clear()
    sign_in(client, "officer.a")
    assert client.get("/officer/campaign").status_code == 403


# -- Vietnamese labels --------------------------------------------------------------------------


def test_roles_and_unit_kinds_read_in_vietnamese(client, world):
    sign_in(client, "admin")
    officers = client.get("/officer/admin/officers")
    for officer in world.officers.values():
        assert f"<td>{officer.full_name}</td><td>{ROLE[officer.role]}</td>" in officers.text
    for code in ROLE:
        assert f">{code}</option>" not in officers.text
    units = client.get("/officer/admin/units")
    assert "(XA, Xã)" in units.text and "(PB, Phường)" in units.text
    assert "(T01, Tỉnh/Thành phố)" in units.text
    for code in UNIT_KIND:
        assert f", {code})" not in units.text
    assert ROLE["admin"] in officers.text.split("</header>")[0]  # who is signed in, and as what


def test_new_officer_form_defaults_to_the_least_privilege(client, world):
    sign_in(client, "admin")
    page = client.get("/officer/admin/officers")
    assert page.context["default_role"] == "officer"
    assert page.context["default_unit_id"] == world.province.id  # the admin's own unit
    form = page.text.split("<h2>Thêm cán bộ</h2>")[1]
    assert f'<option value="officer" selected>{ROLE["officer"]}</option>' in form
    assert '<option value="admin" selected>' not in form
    assert f'<option value="{world.province.id}" selected>' in form


# -- changing one's own password ----------------------------------------------------------------


def test_officer_changes_their_own_password(client, world, db):
    sign_in(client, "officer.a")
    page = client.get("/officer/account")
    assert page.template.name == "officer/account.html"
    assert page.context["must_change"] is False
    csrf = page.context["csrf_token"]

    def change(current, new, repeat):
        return post_form(
            client,
            "/officer/account/password",
            csrf,
            current_password=current,
            new_password=new,
            new_password_repeat=repeat,
        )

    wrong = change("khong-phai-mat-khau", NEW_PASSWORD, NEW_PASSWORD)
    assert (wrong.status_code, wrong.context["error"]) == (422, "Mật khẩu hiện tại không đúng.")
    typo = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert typo.context["error"] == "Hai lần nhập mật khẩu mới không khớp."
    weak = change(PASSWORD, "ngan", "ngan")
    assert weak.context["error"] == "Mật khẩu mới: cần ít nhất 10 ký tự."  # the create form's rule
    same = change(PASSWORD, PASSWORD, PASSWORD)
    assert same.status_code == 422
    assert try_login(client.__class__(client.app), "officer.a", PASSWORD).status_code == 303

    other = client.__class__(client.app)  # a second browser, signed in before the change
    sign_in(other, "officer.a")
    done = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert (done.status_code, done.headers["location"]) == (303, "/officer/account?flash=changed")
    assert client.get("/officer").status_code == 200  # this browser stays signed in
    assert other.get("/officer", follow_redirects=False).headers["location"] == "/officer/login"
    fresh = client.__class__(client.app)
    assert try_login(fresh, "officer.a", PASSWORD).status_code == 401
    assert try_login(fresh, "officer.a", NEW_PASSWORD).status_code == 303
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "officer.password_change")).all()
    assert [(e.entity_id, e.before, e.after) for e in events] == [
        (world.officers["officer_a"].id, None, None)  # never the password, not even hashed
    ]


def test_password_change_through_the_api(client, world):
    headers = login(client, "leader.a")
    mismatch = client.post(
        "/api/v1/officers/me/password",
        headers=headers,
        json={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_repeat": "khac-han-roi-nhe",
        },
    )
    assert mismatch.status_code == 422
    ok = client.post(
        "/api/v1/officers/me/password",
        headers=headers,
        json={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_repeat": NEW_PASSWORD,
        },
    )
    assert ok.status_code == 204
    again = client.post(
        "/api/v1/auth/login", json={"username": "leader.a", "password": NEW_PASSWORD}
    )
    assert again.status_code == 200


def test_reset_password_from_the_server_gets_the_only_admin_back_in(
    tmp_path, monkeypatch, world, db, engine
):
    """The only admin mistyped a new password: the operator resets it from the command line,
    the one-time password lets them in once, and nothing but choosing their own is allowed."""
    from fastapi.testclient import TestClient

    from feedback_api.main import create_app
    from feedback_api.settings import Settings
    from langnghe.cli import app as cli

    monkeypatch.setenv("LANGNGHE_DATABASE_URL", str(engine.url.render_as_string(False)))
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    admin = world.officers["admin"]
    admin.failed_logins, admin.password_hash = 3, "not-a-hash-anyone-can-match"
    db.add(admin)
    db.commit()

    unknown = CliRunner().invoke(cli, ["officers", "reset-password", "khong.co.ai"])
    assert unknown.exit_code == 1
    result = CliRunner().invoke(cli, ["officers", "reset-password", "admin"])
    assert result.exit_code == 0, result.output
    assert "must be changed at the next login" in result.output
    one_time = result.output.split("(shown once): ")[1].split()[0]
    assert len(one_time) >= 10

    settings = Settings(environment="test", data_dir=tmp_path, secret_key="x" * 40, _env_file=None)
    with TestClient(create_app(settings, engine=engine)) as browser:
        signed_in = try_login(browser, "admin", one_time)
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/officer/account")
        account = browser.get("/officer/account")
        assert account.context["must_change"] is True
        nav = account.text.split("</nav>")[0]
        assert "/officer/admin/officers" not in nav
        for path in ("/officer", "/officer/admin/officers", "/officer/admin/audit"):
            blocked = browser.get(path, follow_redirects=False)
            assert (blocked.status_code, blocked.headers["location"]) == (303, "/officer/account")
        assert browser.get("/api/v1/officers").status_code == 403
        csrf = account.context["csrf_token"]
        done = post_form(
            browser,
            "/officer/account/password",
            csrf,
            current_password=one_time,
            new_password=NEW_PASSWORD,
            new_password_repeat=NEW_PASSWORD,
        )
        assert done.headers["location"] == "/officer/account?flash=changed"
        admin_page = browser.get("/officer/admin/officers", follow_redirects=False)
        assert admin_page.status_code == 200
    db.expire_all()  # the CLI and the app wrote meanwhile
    admin = db.exec(select(Officer).where(Officer.username == "admin")).one()
    assert admin.must_change_password is False and admin.failed_logins == 0
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.index("officer.password_reset") < actions.index("officer.password_change")


def test_a_password_an_admin_chose_must_be_changed_at_first_login(client, world, db):
    csrf = sign_in(client, "admin")
    created = post_form(
        client,
        "/officer/admin/officers",
        csrf,
        username="can.bo.moi",
        full_name="Cán bộ Mới",
        role="officer",
        unit_id=world.commune_a.id,
        password="admin-dat-cho-ban",
    )
    assert created.status_code == 200
    newcomer = client.__class__(client.app)
    signed_in = try_login(newcomer, "can.bo.moi", "admin-dat-cho-ban")
    assert signed_in.headers["location"] == "/officer/account"

    # The same for a password an admin sets on an existing account.
    post_form(
        client,
        f"/officer/admin/officers/{world.officers['officer_b'].id}",
        csrf,
        password="admin-dat-lai-cho-ban",
    )
    again = client.__class__(client.app)
    assert try_login(again, "officer.b", PASSWORD).status_code == 401
    signed_in = try_login(again, "officer.b", "admin-dat-lai-cho-ban")
    assert signed_in.headers["location"] == "/officer/account"


# -- pages are not kept by the browser ----------------------------------------------------------


def test_officer_pages_and_api_answers_are_never_stored(client, world, db, settings):
    tip = make_tip(db, settings)
    assert client.get("/officer/login").headers["cache-control"] == "no-store"
    csrf = sign_in(client, "officer.a")
    for path in ("/officer", f"/officer/submissions/{tip.id}", "/officer/account"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert client.get("/api/v1/submissions").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/officer.css").headers.get("cache-control", "")
    post_form(client, "/officer/logout", csrf)
    back = client.get(f"/officer/submissions/{tip.id}", follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, "/officer/login")
    assert back.headers["cache-control"] == "no-store"


def test_officer_pages_are_small_on_the_wire_and_their_files_kept_a_year(client, world):
    """Pages and answers are compressed when the browser accepts it; CSS, scripts and the
    icon carry their version in the URL and are kept a year; nothing asks for a missing
    favicon; a keyboard user can skip the navigation."""
    sign_in(client, "officer.a")
    page = client.get("/officer", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["content-encoding"] == "br" and page.headers["vary"] == "Accept-Encoding"
    assert page.headers["cache-control"] == "no-store"
    gzip_only = client.get("/api/v1/submissions", headers={"Accept-Encoding": "gzip"})
    assert gzip_only.headers.get("content-encoding") in ("gzip", None)  # small JSON: as is
    html = page.text
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    links = re.findall(r'(?:href|src)="(/static/[0-9a-f]{10}/[^"]+)"', html)
    assert {link.rsplit("/", 1)[-1] for link in links} >= {
        "favicon.svg",
        "officer.css",
        "htmx-2.0.11.min.js",
    }
    for link in links:
        served = client.get(link, headers={"Accept-Encoding": "gzip"})
        assert served.status_code == 200, link
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    css = client.get(links[1], headers={"Accept-Encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip"
    icon = client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 301 and icon.headers["location"].endswith("/favicon.svg")


# -- errors keep the navigation -----------------------------------------------------------------


def test_error_pages_keep_the_navigation_and_the_api_keeps_json(client, world, db, settings):
    elsewhere = make_tip(db, settings, unit_code="PB")
    sign_in(client, "officer.a")
    for path, status in (
        (f"/officer/submissions/{elsewhere.id}", 404),  # another commune's tip: not found
        ("/officer/submissions/999999", 404),
        ("/officer/khong-co-trang-nay", 404),
        ("/officer/admin/officers", 403),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.template.name == "officer/error.html", path
        assert response.context["actor"].username == "officer.a", path
        assert 'action="/officer/logout"' in response.text
        assert '<a href="/officer">Hộp thư</a>' in response.text
        assert response.headers["content-type"].startswith("text/html")
    anonymous = client.__class__(client.app)
    lost = anonymous.get("/officer/khong-co-trang-nay")
    assert lost.status_code == 404 and lost.context["actor"] is None
    for path, status in (
        (f"/api/v1/submissions/{elsewhere.id}", 404),
        ("/api/v1/khong-co", 404),
        ("/api/v1/officers", 403),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/json", path
        assert "detail" in response.json()
