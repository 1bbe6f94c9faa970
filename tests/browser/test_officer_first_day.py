"""A new officer's first day in a real browser: a commune officer signs out and presses Back
(the tip is not shown again), asks to mark a tip as a duplicate (a confirmation with both tips
side by side) and undoes it; a campaign officer lands on a page of their own, with the
navigation and the logout button. Screenshots go to var/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session

from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.schemas import SubmissionCreate
from feedback_api.units import service as units
from tests.browser.conftest import LiveServer

PASSWORD = "mat-khau-ngay-dau-tien-1"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TIP = "Có nhóm người tụ tập sử dụng ma túy tại nhà hoang cuối thôn Đông"
SIMILAR = "Nhà hoang cuối thôn Đông có nhóm người tụ tập sử dụng ma túy ban đêm"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("first-day")
    settings = Settings(environment="test", data_dir=data, _env_file=None)
    engine = make_engine(f"sqlite:///{data / 'langnghe.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(
            db_session=db,
            text="code,name,kind,parent_code\nT,Công an tỉnh Thử,province,\n"
            "XA,Công an xã An Bình,commune,T\n",
        )
        commune = units.get_by_code(db_session=db, code="XA")
        province = units.get_by_code(db_session=db, code="T")
        for username, role, name, unit in (
            ("can.bo.xa", "officer", "Nguyễn Văn Xã", commune),
            ("tuyen.truyen", "campaign", "Trần Thị Tuyên", commune),
            ("quan.tri", "admin", "Lê Văn Quản", province),
        ):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=name,
                    role=role,
                    unit_id=unit.id,
                    password=PASSWORD,
                ),
            )
        codes = [
            submissions.create(
                db_session=db,
                settings=settings,
                data=SubmissionCreate(
                    kind="tip",
                    citizen_ref=f"cref_first_day_{n}",
                    unit_code="XA",
                    category="drugs",
                    text=text,
                ),
            ).tracking_code
            for n, text in enumerate((TIP, SIMILAR))
        ]
    with LiveServer(create_app(settings, engine=engine)) as server:
        yield server, codes


def _login(page, base, username):
    page.goto(f"{base}/officer/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_after_logout_back_does_not_show_the_tip(browser, site):
    server, (code, _similar) = site
    page = browser.new_page()
    _login(page, server.url, "can.bo.xa")
    page.wait_for_url(f"{server.url}/officer")
    page.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(r"/officer/submissions/\d+$"))
    assert "nhà hoang cuối thôn Đông" in page.content()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{server.url}/officer/login")
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith("/officer/login")
    assert "nhà hoang cuối thôn Đông" not in page.content()
    _shot(page, "officer-back-after-logout.png")
    page.close()


def test_marking_a_duplicate_is_confirmed_then_undone(browser, site):
    server, (_code, similar) = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, server.url, "can.bo.xa")
    page.wait_for_url(f"{server.url}/officer")
    page.get_by_label("Tìm kiếm").fill(similar.lower().replace("-", " "))
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name=similar).click()
    page.wait_for_url(re.compile(r"/officer/submissions/\d+$"))
    page.get_by_role("button", name="Đánh dấu trùng với tin này…").click()
    page.wait_for_url(re.compile(r"/duplicate\?duplicate_of="))
    assert page.locator("#similarity").inner_text().endswith("%")
    content = page.content()
    assert TIP in content and SIMILAR in content  # side by side
    _shot(page, "officer-duplicate-confirm.png")
    page.get_by_role("button", name="Xác nhận trùng").click()
    page.wait_for_url(re.compile(r"flash=duplicate"))
    assert page.locator("#status").inner_text() == "Trùng với tin đã tiếp nhận"
    page.get_by_role("button", name="Bỏ đánh dấu trùng").click()
    page.wait_for_url(re.compile(r"flash=undone"))
    assert page.locator("#status").inner_text() == "Mới tiếp nhận"
    assert "Bỏ đánh dấu trùng —" in page.locator("ol.history").inner_text()
    _shot(page, "officer-duplicate-undone.png")
    page.close()


def test_campaign_officer_lands_on_their_own_page(browser, site):
    server, (code, _similar) = site
    page = browser.new_page()
    _login(page, server.url, "tuyen.truyen")
    page.wait_for_url(f"{server.url}/officer/broadcasts")
    assert page.get_by_role("heading", name="Chiến dịch tuyên truyền").is_visible()
    nav = page.locator("header nav")
    assert nav.get_by_role("link", name="Chiến dịch").is_visible()
    assert nav.get_by_role("link", name="Hộp thư").count() == 0
    assert "Cán bộ tuyên truyền" in page.locator("header").inner_text()
    _shot(page, "officer-campaign-home.png")
    from tests.browser.axe import violations

    assert violations(page) == [], "campaign officer's home"
    response = page.goto(f"{server.url}/officer/submissions/1")
    assert response.status == 403
    assert page.get_by_role("button", name="Đăng xuất").is_visible()  # never a dead end
    assert code not in page.content()
    _shot(page, "officer-campaign-403.png")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{server.url}/officer/login")
    page.close()


def test_admin_reads_the_audit_log_in_vietnamese(browser, site):
    """Runs after the duplicate was marked and undone above (module order)."""
    server, (_code, similar) = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, server.url, "quan.tri")
    page.wait_for_url(f"{server.url}/officer")
    page.get_by_role("link", name="Quản trị").click()  # the section, then its tab
    page.get_by_role("link", name="Nhật ký").click()
    page.wait_for_url(f"{server.url}/officer/admin/audit")
    table = page.locator("table.audit tbody").inner_text()
    assert "Bỏ đánh dấu trùng" in table and f"Tin {similar}" in table
    assert "Nguyễn Văn Xã (can.bo.xa)" in table
    for raw in ("submission.", "{'", "#"):
        assert raw not in table
    _shot(page, "officer-audit-log.png")
    page.get_by_role("link", name="Cán bộ", exact=True).click()
    form = page.locator("section.card", has_text="Thêm cán bộ")
    assert form.get_by_label("Vai trò").input_value() == "officer"
    assert form.get_by_label("Đơn vị").locator("option:checked").inner_text() == "Công an tỉnh Thử"
    _shot(page, "officer-admin-officers.png")
    page.close()


def test_a_new_officer_chooses_their_own_password_at_first_login(browser, site):
    server, _codes = site
    admin = browser.new_page()
    _login(admin, server.url, "quan.tri")
    admin.wait_for_url(f"{server.url}/officer")
    admin.goto(f"{server.url}/officer/admin/officers")
    form = admin.locator("section.card", has_text="Thêm cán bộ")
    form.get_by_label("Tên đăng nhập").fill("can.bo.moi")
    form.get_by_label("Họ tên").fill("Phạm Văn Mới")
    form.get_by_label("Đơn vị").select_option(label="Công an xã An Bình")
    form.get_by_label("Mật khẩu tạm").fill("mat-khau-tam-cua-admin")
    form.get_by_role("button", name="Tạo tài khoản").click()
    assert "Đã tạo tài khoản can.bo.moi." in admin.content()
    admin.close()

    page = browser.new_page()
    page.goto(f"{server.url}/officer/login")
    page.get_by_label("Tên đăng nhập").fill("can.bo.moi")
    page.get_by_label("Mật khẩu").fill("mat-khau-tam-cua-admin")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server.url}/officer/account")
    assert page.get_by_role("alert").is_visible()
    assert page.locator("header nav").get_by_role("link", name="Hộp thư").count() == 0
    page.goto(f"{server.url}/officer")
    assert page.url.endswith("/officer/account")  # nothing else until the password is theirs
    page.get_by_label("Mật khẩu hiện tại").fill("mat-khau-tam-cua-admin")
    page.get_by_label("Mật khẩu mới (≥ 10 ký tự)").fill("mat-khau-cua-toi-2026")
    page.get_by_label("Nhập lại mật khẩu mới").fill("mat-khau-cua-toi-2O26")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    assert "Hai lần nhập mật khẩu mới không khớp." in page.content()
    _shot(page, "officer-account-mismatch.png")
    page.get_by_label("Mật khẩu hiện tại").fill("mat-khau-tam-cua-admin")
    page.get_by_label("Mật khẩu mới (≥ 10 ký tự)").fill("mat-khau-cua-toi-2026")
    page.get_by_label("Nhập lại mật khẩu mới").fill("mat-khau-cua-toi-2026")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url(re.compile(r"flash=changed"))
    page.locator("header nav").get_by_role("link", name="Hộp thư").click()
    page.wait_for_url(f"{server.url}/officer")
    assert page.get_by_role("heading", name=re.compile("Hộp thư tiếp nhận")).is_visible()
    _shot(page, "officer-inbox-first-day.png")
    page.close()
