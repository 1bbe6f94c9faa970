"""The officer web view through TestClient, as officers use it: sign in with the form, work
the inbox, open a tip, act on it with the forms; admins manage officers, units and the audit
log. Pages are checked through what they render and through the template and context that
Starlette's TestClient exposes (`response.template`, `response.context`).
"""

import datetime as dt
import re

import pytest
from sqlmodel import func, select

from feedback_api.audit.models import AuditEvent
from feedback_api.clock import local_date, utcnow
from feedback_api.officers.models import Officer
from feedback_api.officers.schemas import ROLES
from feedback_api.outbox.models import OutboxMessage
from feedback_api.submissions import service
from feedback_api.submissions.models import Note
from feedback_api.submissions.schemas import SubmissionUpdate
from feedback_api.units.models import Unit
from tests.feedback_api.conftest import PASSWORD, actor, make_tip

FORBIDDEN = "Bạn không có quyền thực hiện thao tác này."


def login_token(client) -> str:
    """The login form's anti-CSRF token (its cookie is set by the same visit)."""
    return client.get("/officer/login").context["login_csrf"]


def sign_in(client, username: str) -> str | None:
    """Sign in through the login form; returns the CSRF token the officer's pages carry."""
    response = client.post(
        "/officer/login",
        data={"username": username, "password": PASSWORD, "login_csrf": login_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    inbox = client.get("/officer")
    return inbox.context["csrf_token"] if inbox.status_code == 200 else None


def post_form(client, path: str, csrf: str | None, **fields):
    data = {k: str(v) for k, v in fields.items()} | ({"csrf_token": csrf} if csrf else {})
    return client.post(path, data=data, follow_redirects=False)


def codes(response) -> list[str]:
    return [row.tracking_code for row in response.context["rows"]]


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# -- signing in ---------------------------------------------------------------------------------


def test_officer_signs_in_through_the_form_and_lands_on_the_inbox(client, world):
    form = client.get("/officer/login")
    assert form.status_code == 200
    assert form.template.name == "officer/login.html"

    wrong = client.post(
        "/officer/login",
        data={
            "username": "officer.a",
            "password": "sai-mat-khau-roi",
            "login_csrf": form.context["login_csrf"],
        },
        follow_redirects=False,
    )
    assert wrong.status_code == 401
    assert wrong.template.name == "officer/login.html"
    assert wrong.context["username"] == "officer.a"
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in wrong.text
    assert "ln_session" not in wrong.headers.get("set-cookie", "")

    response = client.post(
        "/officer/login",
        data={"username": "officer.a", "password": PASSWORD, "login_csrf": login_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/officer"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ln_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie

    inbox = client.get("/officer")
    assert inbox.status_code == 200
    assert inbox.template.name == "officer/inbox.html"
    assert inbox.context["actor"].username == "officer.a"
    assert "Cán bộ officer_a" in inbox.text
    assert "/officer/admin/officers" not in inbox.text  # no admin menu for an officer
    again = client.get("/officer/login", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/officer")


def test_unauthenticated_visits_go_to_the_login_page(client, world, db, settings):
    tip = make_tip(db, settings)
    for path in (
        "/officer",
        f"/officer/submissions/{tip.id}",
        "/officer/admin/officers",
        "/officer/admin/units",
        "/officer/admin/audit",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/officer/login", path
    forged = post_form(client, f"/officer/submissions/{tip.id}/update", "x", status="resolved")
    assert (forged.status_code, forged.headers["location"]) == (303, "/officer/login")
    htmx = client.get("/officer", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"] == "/officer/login"
    db.refresh(tip)
    assert tip.status == "new"


def test_signing_out_ends_the_session(client, world):
    csrf = sign_in(client, "officer.a")
    response = post_form(client, "/officer/logout", csrf)
    assert (response.status_code, response.headers["location"]) == (303, "/officer/login")
    assert client.get("/officer", follow_redirects=False).headers["location"] == "/officer/login"


# -- the inbox ----------------------------------------------------------------------------------


@pytest.fixture
def inbox_tips(db, settings, world):
    """Four submissions in XA (one verifying, one overdue, one question) and one in PB."""
    tips = {
        "drugs": make_tip(db, settings, text="Có người bán ma túy ở đầu ngõ 5"),
        "fraud": make_tip(
            db, settings, category="fraud", text="Nhóm lừa đảo qua điện thoại giả danh công an"
        ),
        "question": make_tip(
            db, settings, kind="question", category="other", text="Hỏi thủ tục đăng ký tạm trú"
        ),
        "late": make_tip(db, settings, category="theft", text="Trộm xe máy ở chợ An Bình"),
        "elsewhere": make_tip(
            db, settings, unit_code="PB", category="fraud", text="Lừa đảo chiếm đoạt tiền"
        ),
    }
    service.update(
        db_session=db,
        actor=actor(db, world.officers["officer_a"]),
        submission_id=tips["fraud"].id,
        data=SubmissionUpdate(status="verifying"),
    )
    tips["late"].due_at = utcnow() - dt.timedelta(days=2)
    db.add(tips["late"])
    db.commit()
    return {name: tip.tracking_code for name, tip in tips.items()}


def test_inbox_shows_counts_per_status_and_the_filters_work(client, world, inbox_tips):
    tips = inbox_tips
    sign_in(client, "officer.a")

    everything = client.get("/officer")
    assert everything.template.name == "officer/inbox.html"
    assert {"rows", "count", "counts", "filters", "units", "next_url", "categories"} <= set(
        everything.context
    )
    assert everything.context["count"] == 4
    assert sorted(codes(everything)) == sorted(
        tips[name] for name in ("drugs", "fraud", "question", "late")
    )  # the PB tip is outside officer.a's commune
    assert everything.context["counts"] == {
        "new": 3,
        "verifying": 1,
        "forwarded": 0,
        "resolved": 0,
        "rejected": 0,
        "duplicate": 0,
    }
    assert re.search(r'data-status="new">[^<]*<span class="count">3</span>', everything.text)
    assert re.search(rf'<tr class="overdue\s*" data-code="{tips["late"]}"', everything.text)
    assert everything.context["next_url"] is None

    questions = client.get("/officer", params={"kind": "question"})
    assert codes(questions) == [tips["question"]]
    assert questions.context["counts"]["new"] == 1
    assert questions.context["filters"] == {"kind": "question"}

    verifying = client.get("/officer", params={"status": "verifying"})
    assert codes(verifying) == [tips["fraud"]]
    assert verifying.context["counts"]["new"] == 3  # tabs keep counting every status

    for query in ("lua dao", "LUA DAO", "lừa đảo", "lua"):
        found = client.get("/officer", params={"q": query})
        assert codes(found) == [tips["fraud"]], query
    assert codes(client.get("/officer", params={"q": "trom xe", "kind": "tip"})) == [tips["late"]]
    assert codes(client.get("/officer", params={"q": "lua dao", "kind": "question"})) == []

    assert codes(client.get("/officer", params={"overdue": "1"})) == [tips["late"]]
    on_time = client.get("/officer", params={"overdue": "0"})
    assert sorted(codes(on_time)) == sorted(tips[n] for n in ("drugs", "fraud", "question"))

    rows_only = client.get(
        "/officer",
        params={"kind": "tip"},
        headers={"HX-Request": "true", "HX-Target": "inbox-rows"},
    )
    assert rows_only.template.name == "officer/_inbox_rows.html"
    assert "<html" not in rows_only.text
    assert client.get("/officer", params={"kind": "complaint"}).status_code == 422


def test_admin_inbox_spans_the_province(client, world, inbox_tips):
    sign_in(client, "admin")
    everything = client.get("/officer")
    assert everything.context["count"] == 5
    assert codes(client.get("/officer", params={"q": "lua dao"})) == [
        inbox_tips["elsewhere"],
        inbox_tips["fraud"],
    ]


# -- the detail page ----------------------------------------------------------------------------


def test_detail_page_is_audited_and_offers_similar_tips_as_duplicates(client, world, db, settings):
    first = make_tip(db, settings, text="Có người bán ma túy ở đầu ngõ 5 chợ An Bình")
    second = make_tip(db, settings, text="Ngõ 5 chợ An Bình có người bán ma túy buổi tối")
    make_tip(db, settings, kind="question", category="other", text="Hỏi thủ tục làm căn cước")
    csrf = sign_in(client, "officer.a")

    page = client.get(f"/officer/submissions/{second.id}")
    assert page.status_code == 200
    assert page.template.name == "officer/detail.html"
    assert page.context["s"].tracking_code == second.tracking_code
    assert page.context["can_triage"] is True
    assert [m.submission.id for m in page.context["similar"]] == [first.id]
    assert "Đánh dấu trùng với tin này" in page.text
    assert f'name="duplicate_of" value="{first.tracking_code}"' in page.text
    confirm = client.get(
        f"/officer/submissions/{second.id}/duplicate", params={"duplicate_of": first.tracking_code}
    )
    assert confirm.template.name == "officer/duplicate_confirm.html"
    views = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "submission.view", AuditEvent.entity_id == second.id
        )
    ).all()
    assert [(v.actor_id, v.ip) for v in views] == [(world.officers["officer_a"].id, "testclient")]
    # officers see the record's history, but who read it is for admins only
    assert "submission.view" not in [e.action for e in page.context["history"]]

    marked = post_form(
        client,
        f"/officer/submissions/{second.id}/duplicate",
        csrf,
        duplicate_of=first.tracking_code,
        confirm="1",
    )
    assert marked.status_code == 303
    assert marked.headers["location"] == f"/officer/submissions/{second.id}?flash=duplicate"
    db.refresh(second)
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.id)
    after = client.get(marked.headers["location"])
    assert "Đã đánh dấu trùng." in after.text
    assert f'<a href="/officer/submissions/{first.id}">{first.tracking_code}</a>' in after.text
    assert "Đánh dấu trùng với tin này" not in after.text

    client.cookies.clear()
    sign_in(client, "admin")
    seen_by_admin = client.get(f"/officer/submissions/{second.id}")
    assert "submission.view" in [e.action for e in seen_by_admin.context["history"]]


@pytest.mark.parametrize(
    "form",
    ["update", "note", "reply", "duplicate", "logout", "officer", "officer-edit", "unit", "import"],
)
def test_form_posts_without_the_csrf_token_are_refused(client, world, db, settings, form):
    tip = make_tip(db, settings)
    original = make_tip(db, settings, text="Tin gốc về ma túy ở ngõ 5")
    username = (
        "officer.a" if form in ("update", "note", "reply", "duplicate", "logout") else "admin"
    )
    csrf = sign_in(client, username)
    path, fields, files, success = {
        "update": (f"/officer/submissions/{tip.id}/update", {"status": "verifying"}, None, 303),
        "note": (f"/officer/submissions/{tip.id}/note", {"text": "Ghi chú"}, None, 303),
        "reply": (f"/officer/submissions/{tip.id}/reply", {"text": "Cảm ơn bạn"}, None, 303),
        "duplicate": (
            f"/officer/submissions/{tip.id}/duplicate",
            {"duplicate_of": original.tracking_code, "confirm": "1"},
            None,
            303,
        ),
        "logout": ("/officer/logout", {}, None, 303),
        "officer": (
            "/officer/admin/officers",
            {
                "username": "can.bo.moi",
                "full_name": "Cán bộ mới",
                "role": "officer",
                "unit_id": world.commune_a.id,
                "password": "mat-khau-moi-du-dai",
            },
            None,
            200,
        ),
        "officer-edit": (
            f"/officer/admin/officers/{world.officers['officer_b'].id}",
            {"active": "0"},
            None,
            303,
        ),
        "unit": (
            "/officer/admin/units",
            {"code": "XC", "name": "Công an xã Cát", "kind": "commune", "parent_code": "T01"},
            None,
            200,
        ),
        "import": (
            "/officer/admin/units/import",
            {},
            {"file": ("don_vi.csv", b"code,name,kind,parent_code\nXD,X\xc3\xa3 D,commune,T01\n")},
            200,
        ),
    }[form]

    def state():
        return (count(db, AuditEvent), count(db, Unit), count(db, Officer), count(db, Note))

    before = state()
    for token in (None, "not-the-token"):
        data = fields | ({"csrf_token": token} if token else {})
        refused = client.post(path, data=data, files=files, follow_redirects=False)
        assert refused.status_code == 403, (token, refused.text)
        assert refused.template.name == "officer/error.html"  # a page, with the navigation
        assert "CSRF" in refused.context["message"]
    db.refresh(tip)
    db.refresh(world.officers["officer_b"])
    assert state() == before
    assert tip.status == "new" and tip.public_reply is None
    assert world.officers["officer_b"].active
    assert client.get("/officer").status_code == 200  # still signed in

    accepted = client.post(
        path, data=fields | {"csrf_token": csrf}, files=files, follow_redirects=False
    )
    assert accepted.status_code == success, accepted.text
    if success == 303:
        assert accepted.headers["location"].startswith("/officer")
    else:
        assert accepted.context["error"] is None
    if form == "logout":
        assert client.get("/officer", follow_redirects=False).status_code == 303
    else:
        assert state() != before


def test_officer_triages_through_the_forms(client, world, db, settings):
    tip = make_tip(db, settings, citizen_ref="cref_pages_0001")
    original = make_tip(db, settings, text="Tin đầu tiên về bán ma túy ở đầu ngõ 5")
    officer_a = world.officers["officer_a"]
    csrf = sign_in(client, "officer.a")
    detail = f"/officer/submissions/{tip.id}"

    saved = post_form(
        client,
        f"{detail}/update",
        csrf,
        status="verifying",
        assigned_to_id=officer_a.id,
        priority="high",
        unit_id=world.commune_a.id,
        valuable="1",
    )
    assert (saved.status_code, saved.headers["location"]) == (303, f"{detail}?flash=saved")
    db.refresh(tip)
    assert (tip.status, tip.assigned_to_id, tip.priority, tip.valuable) == (
        "verifying",
        officer_a.id,
        "high",
        True,
    )
    page = client.get(saved.headers["location"])
    assert "Đã lưu thay đổi." in page.text
    assert '<dd id="assignee">Cán bộ officer_a</dd>' in page.text
    assert 'id="status">Đang xác minh</span>' in page.text
    assert "Tin có giá trị" in page.text

    noted = post_form(client, f"{detail}/note", csrf, text="  Đã xác minh sơ bộ tại ngõ 5  ")
    assert noted.headers["location"] == f"{detail}?flash=noted"
    assert [n.text for n in db.exec(select(Note).where(Note.submission_id == tip.id))] == [
        "Đã xác minh sơ bộ tại ngõ 5"
    ]
    assert "Đã xác minh sơ bộ tại ngõ 5" in client.get(detail).text

    replied = post_form(client, f"{detail}/reply", csrf, text="Cảm ơn bạn, Công an xã đang xử lý.")
    assert replied.headers["location"] == f"{detail}?flash=replied"
    db.refresh(tip)
    assert tip.public_reply == "Cảm ơn bạn, Công an xã đang xử lý."
    messages = db.exec(select(OutboxMessage).where(OutboxMessage.submission_id == tip.id)).all()
    assert [m.purpose for m in messages] == ["status", "reply"]
    assert all(m.citizen_ref == "cref_pages_0001" for m in messages)

    unassigned = post_form(client, f"{detail}/update", csrf, assigned_to_id="none", valuable="0")
    assert unassigned.status_code == 303
    db.refresh(tip)
    assert (tip.assigned_to_id, tip.valuable, tip.status) == (None, False, "verifying")

    elsewhere = post_form(
        client, f"{detail}/update", csrf, assigned_to_id=world.officers["officer_b"].id
    )
    assert elsewhere.status_code == 422
    assert elsewhere.template.name == "officer/error.html"
    assert "không thuộc đơn vị phụ trách" in elsewhere.text

    itself = post_form(
        client, f"{detail}/duplicate", csrf, duplicate_of=tip.tracking_code, confirm="1"
    )
    assert itself.status_code == 422
    assert "không thể trùng với chính nó" in itself.text

    typed = original.tracking_code.lower().replace("-", " ")  # as a citizen would read it out
    marked = post_form(client, f"{detail}/duplicate", csrf, duplicate_of=typed, confirm="1")
    assert marked.headers["location"] == f"{detail}?flash=duplicate"
    db.refresh(tip)
    assert (tip.status, tip.duplicate_of_id) == ("duplicate", original.id)
    history = [e.action for e in client.get(detail).context["history"]]
    assert history == [
        "submission.create",
        "submission.update",
        "submission.note",
        "submission.reply",
        "submission.update",
        "submission.duplicate",
    ]


def test_leader_reads_the_detail_but_gets_no_action_forms(client, world, db, settings):
    tip = make_tip(db, settings, text="Có người bán ma túy ở đầu ngõ 5 chợ An Bình")
    make_tip(db, settings, text="Ngõ 5 chợ An Bình có người bán ma túy")
    csrf = sign_in(client, "leader.a")
    page = client.get(f"/officer/submissions/{tip.id}")
    assert page.status_code == 200
    assert page.context["can_triage"] is False
    assert page.context["similar"]  # the leader sees the similar tips...
    assert "Đánh dấu trùng" not in page.text  # ...but cannot act on them
    for action in ("update", "note", "reply", "duplicate"):
        assert f'action="/officer/submissions/{tip.id}/{action}"' not in page.text
    refused = post_form(client, f"/officer/submissions/{tip.id}/update", csrf, status="resolved")
    assert refused.status_code == 403
    assert refused.template.name == "officer/error.html"
    db.refresh(tip)
    assert tip.status == "new"


def test_campaign_staff_get_their_own_page_and_a_403_on_a_tip(client, world, db, settings):
    tip = make_tip(db, settings)
    sign_in(client, "campaign.a")
    inbox = client.get("/officer", follow_redirects=False)
    assert (inbox.status_code, inbox.headers["location"]) == (303, "/officer/broadcasts")
    assert tip.tracking_code not in client.get("/officer").text
    response = client.get(f"/officer/submissions/{tip.id}")
    assert response.status_code == 403
    assert response.template.name == "officer/error.html"
    assert response.context["status"] == 403
    assert response.context["actor"].username == "campaign.a"  # navigation and logout kept
    assert FORBIDDEN in response.text
    assert tip.tracking_code not in response.text


@pytest.mark.parametrize(
    ("username", "anonymity", "sees_contact"),
    [
        ("officer.a", "named", True),
        ("leader.a", "named", False),
        ("officer.a", "confidential", False),
        ("admin", "confidential", True),
    ],
)
def test_contact_of_a_tipster_shows_only_to_those_allowed(
    client, world, db, settings, username, anonymity, sees_contact
):
    tip = make_tip(
        db,
        settings,
        anonymity=anonymity,
        contact_name="Nguyễn Văn Tố",
        contact_phone="0912 345 678",
    )
    sign_in(client, username)
    page = client.get(f"/officer/submissions/{tip.id}")
    assert page.status_code == 200
    assert ("Nguyễn Văn Tố" in page.text) is sees_contact
    assert ("0912 345 678" in page.text) is sees_contact
    assert ("được bảo vệ, chỉ người có thẩm quyền xem" in page.text) is not sees_contact
    assert (page.context["s"].contact_phone is not None) is sees_contact


def test_html_in_a_tip_is_escaped_on_the_detail_page(client, world, db, settings):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    tip = make_tip(db, settings, text=payload, location_text="<b onmouseover=alert(2)>ngõ 5</b>")
    csrf = sign_in(client, "officer.a")
    post_form(client, f"/officer/submissions/{tip.id}/note", csrf, text="<iframe src=//x>")
    page = client.get(f"/officer/submissions/{tip.id}")
    assert page.status_code == 200
    for raw in ("<script>alert", "<img src=x", "<b onmouseover", "<iframe"):
        assert raw not in page.text, raw
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "&lt;b onmouseover=alert(2)&gt;ngõ 5&lt;/b&gt;" in page.text
    assert "&lt;iframe src=//x&gt;" in page.text


# -- admin pages --------------------------------------------------------------------------------


def test_admin_manages_officers_through_the_page(client, world, db):
    csrf = sign_in(client, "admin")
    page = client.get("/officer/admin/officers")
    assert page.status_code == 200
    assert page.template.name == "officer/admin_officers.html"
    assert {o.username for o in page.context["officers"]} == {
        "admin",
        "officer.a",
        "officer.b",
        "leader.a",
        "campaign.a",
        "officer.p",
    }
    assert page.context["roles"] == ROLES
    new = {
        "username": "can.bo.moi",
        "full_name": "Cán bộ Mới",
        "role": "officer",
        "unit_id": world.commune_b.id,
    }

    short = post_form(client, "/officer/admin/officers", csrf, **new, password="ngan")
    assert short.status_code == 422
    assert short.template.name == "officer/admin_officers.html"
    assert short.context["error"] == "Mật khẩu: cần ít nhất 10 ký tự."
    assert '<p class="error" role="alert">Mật khẩu: cần ít nhất 10 ký tự.</p>' in short.text
    taken = post_form(
        client,
        "/officer/admin/officers",
        csrf,
        **(new | {"username": "officer.b"}),
        password="mat-khau-du-dai-roi",
    )
    assert taken.status_code == 422
    assert "đã tồn tại" in taken.context["error"]
    assert db.exec(select(Officer).where(Officer.username == "can.bo.moi")).first() is None

    created = post_form(
        client, "/officer/admin/officers", csrf, **new, password="mat-khau-du-dai-roi"
    )
    assert created.status_code == 200
    assert "Đã tạo tài khoản can.bo.moi." in created.text
    officer = db.exec(select(Officer).where(Officer.username == "can.bo.moi")).one()
    assert (officer.role, officer.unit_id) == ("officer", world.commune_b.id)

    locked = post_form(
        client, f"/officer/admin/officers/{world.officers['officer_b'].id}", csrf, active="0"
    )
    assert (locked.status_code, locked.headers["location"]) == (303, "/officer/admin/officers")
    db.refresh(world.officers["officer_b"])
    assert world.officers["officer_b"].active is False
    itself = post_form(
        client, f"/officer/admin/officers/{world.officers['admin'].id}", csrf, role="leader"
    )
    assert itself.status_code == 422
    assert "không thể tự khóa hoặc tự hạ quyền" in itself.context["error"]


def test_admin_adds_units_and_imports_a_csv(client, world, db):
    csrf = sign_in(client, "admin")
    page = client.get("/officer/admin/units")
    assert page.template.name == "officer/admin_units.html"
    assert [u.code for u in page.context["units"]] == ["T01", "XA", "PB"]

    added = post_form(
        client,
        "/officer/admin/units",
        csrf,
        code="XC",
        name="Công an xã Cát",
        kind="commune",
        parent_code="T01",
    )
    assert added.status_code == 200
    assert added.context["notice"] == "Đã thêm đơn vị XC."
    unit = db.exec(select(Unit).where(Unit.code == "XC")).one()
    assert unit.parent_id == world.province.id
    bad = post_form(
        client, "/officer/admin/units", csrf, code="X C!", name="Lỗi", parent_code="T01"
    )
    assert (bad.status_code, bad.context["error"]) == (422, "Mã: có ký tự không hợp lệ.")

    def upload(content: bytes):
        return client.post(
            "/officer/admin/units/import",
            data={"csrf_token": csrf},
            files={"file": ("don_vi.csv", content, "text/csv")},
        )

    broken = upload(
        "code,name,kind,parent_code\nXD,Công an xã Đông,commune,T01\nX E,Xã lỗi,commune,T01\n"
        "XF,Công an xã Phú,commune,KHONGCO\n".encode()
    )
    assert broken.status_code == 422
    assert broken.template.name == "officer/admin_units.html"
    assert broken.context["error"].startswith("dòng 3: cột code")
    assert "XD" not in [u.code for u in broken.context["units"]]  # all or nothing
    orphan = upload("code,name,kind,parent_code\nXF,Công an xã Phú,commune,KHONGCO\n".encode())
    assert orphan.context["error"] == "dòng 2: không có đơn vị cấp trên mã 'KHONGCO'"
    assert upload("code,name\n\xff\xfe".encode("latin-1")).context["error"] == (
        "Tệp không phải văn bản UTF-8."
    )
    imported = upload(
        "code,name,kind,parent_code\nXD,Công an xã Đông,commune,T01\nXA,Công an xã An Bình,"
        "commune,T01\n".encode()
    )
    assert imported.status_code == 200
    assert imported.context["notice"] == "Đã nhập 1 đơn vị, bỏ qua 1 đơn vị đã có."
    assert "XD" in [u.code for u in imported.context["units"]]


def test_admin_browses_the_audit_log_with_filters(client, world, db, settings):
    tip = make_tip(db, settings)
    other = make_tip(db, settings, text="Tin khác")
    officer_a = world.officers["officer_a"]
    csrf = sign_in(client, "officer.a")
    client.get(f"/officer/submissions/{tip.id}")
    post_form(client, f"/officer/submissions/{other.id}/note", csrf, text="Ghi chú")
    # 23:30 UTC on 10 March is 06:30 on 11 March in Vietnam, as the page shows it
    db.add(
        AuditEvent(
            at=dt.datetime(2025, 3, 10, 23, 30, tzinfo=dt.UTC),
            action="officer.login",
            entity_type="officer",
            entity_id=officer_a.id,
            actor="cũ",
        )
    )
    db.commit()
    client.cookies.clear()
    sign_in(client, "admin")

    def browse(**params):
        page = client.get("/officer/admin/audit", params=params)
        assert page.status_code == 200
        assert page.template.name == "officer/admin_audit.html"
        return page.context["rows"]

    everything = browse()
    assert {"submission.create", "submission.view", "submission.note", "officer.login"} <= {
        e.action for e in everything
    }
    views = browse(action="submission.view")
    assert [(e.entity_id, e.actor_id) for e in views] == [(tip.id, officer_a.id)]
    assert {e.action for e in browse(action="submission.")} == {
        "submission.create",
        "submission.view",
        "submission.note",
    }
    assert {e.entity_id for e in browse(entity_id=str(other.id))} == {other.id}
    by_officer = browse(actor_id=str(officer_a.id))
    assert {e.action for e in by_officer} == {"officer.login", "submission.view", "submission.note"}
    today = browse(day=local_date(utcnow()).isoformat())
    assert len(today) == len(everything) - 1
    assert [e.who for e in browse(day="2025-03-11")] == ["cũ"]
    assert browse(day="2025-03-10") == []
    page = client.get("/officer/admin/audit", params={"action": "submission.view", "day": "x"})
    assert page.context["filters"] == {
        "action": "submission.view",
        "entity_id": "",
        "actor_id": "",
        "day": "x",
    }


@pytest.mark.parametrize("username", ["officer.a", "leader.a", "campaign.a"])
def test_admin_pages_are_403_for_everyone_else(client, world, db, username):
    csrf = sign_in(client, username)
    if csrf is None:  # campaign staff have no page that carries the token
        csrf = client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        ).json()["csrf_token"]
    for path in ("/officer/admin/officers", "/officer/admin/units", "/officer/admin/audit"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert FORBIDDEN in response.text
    before = (count(db, Officer), count(db, Unit), count(db, AuditEvent))
    attempts = [
        post_form(
            client,
            "/officer/admin/officers",
            csrf,
            username="ke.gia.mao",
            full_name="Kẻ giả mạo",
            role="admin",
            unit_id=world.province.id,
            password="mat-khau-du-dai-roi",
        ),
        post_form(client, "/officer/admin/officers", csrf, username="x", password="ngan"),
        post_form(
            client, f"/officer/admin/officers/{world.officers['officer_b'].id}", csrf, active="0"
        ),
        post_form(client, "/officer/admin/units", csrf, code="XZ", name="Xã Z", parent_code="XA"),
        post_form(client, "/officer/admin/units", csrf, code="X Z!", name=""),
        client.post(
            "/officer/admin/units/import",
            data={"csrf_token": csrf},
            files={"file": ("u.csv", b"code,name,kind,parent_code\nXZ,Z,commune,XA\n")},
        ),
    ]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert all(FORBIDDEN in a.text for a in attempts)
    assert (count(db, Officer), count(db, Unit), count(db, AuditEvent)) == before
