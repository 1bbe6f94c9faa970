"""An officer triages a tip in a real browser; an officer of another commune cannot see it."""

from __future__ import annotations

import re

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

PASSWORD = "mat-khau-trinh-duyet-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser")
    settings = Settings(environment="test", data_dir=data, _env_file=None)
    engine = make_engine(f"sqlite:///{data / 'langnghe.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(
            db_session=db,
            text=(
                "code,name,kind,parent_code\nT,Công an tỉnh Thử,province,\n"
                "XA,Công an xã An Bình,commune,T\nXB,Công an xã Bình Yên,commune,T\n"
            ),
        )
        for username, code in (("can.bo.a", "XA"), ("can.bo.b", "XB")):
            unit = units.get_by_code(db_session=db, code=code)
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=f"Cán bộ {code}",
                    role="officer",
                    unit_id=unit.id,
                    password=PASSWORD,
                ),
            )
        tip = submissions.create(
            db_session=db,
            settings=settings,
            data=SubmissionCreate(
                kind="tip",
                citizen_ref="cref_browser_01",
                unit_code="XA",
                category="drugs",
                text="Có nhóm người tụ tập sử dụng ma túy tại nhà hoang cuối thôn Đông",
            ),
        )
        submissions.create(
            db_session=db,
            settings=settings,
            data=SubmissionCreate(
                kind="question",
                citizen_ref="cref_browser_02",
                unit_code="XA",
                text="Hỏi về thủ tục đăng ký tạm trú cho sinh viên",
            ),
        )
    with LiveServer(create_app(settings, engine=engine)) as server:
        yield server, tip.tracking_code


def _login(page, base, username):
    page.goto(f"{base}/officer/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/officer")


def test_officer_filters_opens_assigns_replies_and_resolves_a_tip(browser, site):
    server, code = site
    page = browser.new_page()
    _login(page, server.url, "can.bo.a")
    assert page.locator("tbody#inbox-rows tr").count() == 2

    page.get_by_label("Tìm kiếm").fill("ma tuy nha hoang")
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("tbody#inbox-rows tr[data-code]")
    rows.first.wait_for()
    assert rows.count() == 1
    page.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(r"/officer/submissions/\d+$"))
    assert "nhà hoang cuối thôn Đông" in page.content()

    page.get_by_label("Phân công").select_option(label="Cán bộ XA")
    page.get_by_label("Trạng thái").select_option("verifying")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(re.compile(r"flash=saved"))
    assert page.locator("#assignee").inner_text() == "Cán bộ XA"
    assert page.locator("#status").inner_text() == "Đang xác minh"

    page.get_by_label("Phản hồi người dân").fill("Cảm ơn bạn, Công an xã đang xác minh.")
    page.get_by_role("button", name="Gửi phản hồi").click()
    page.wait_for_url(re.compile(r"flash=replied"))
    assert "Cảm ơn bạn, Công an xã đang xác minh." in page.content()

    page.get_by_label("Trạng thái").select_option("resolved")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(re.compile(r"flash=saved"))
    assert page.locator("#status").inner_text() == "Đã giải quyết"
    page.screenshot(path=str(server_screenshot_path()), full_page=True)
    page.close()


def test_officer_of_another_commune_cannot_see_the_tip(browser, site):
    server, code = site
    page = browser.new_page()
    _login(page, server.url, "can.bo.b")
    assert code not in page.content()
    assert page.locator("tbody#inbox-rows tr[data-code]").count() == 0
    tip_url = f"{server.url}/officer/submissions/1"
    response = page.goto(tip_url)
    assert response.status == 404
    assert "Không tìm thấy" in page.content()
    page.close()


def server_screenshot_path():
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target / "officer-detail.png"


def test_the_main_officer_pages_pass_axe(browser, site):
    from tests.browser.axe import violations

    server, code = site
    context = browser.new_context()
    page = context.new_page()
    favicon_misses = []
    page.on("response", lambda r: favicon_misses.append(r.url) if r.status == 404 else None)
    page.goto(f"{server.url}/officer/login")
    assert violations(page) == []
    _login(page, server.url, "can.bo.a")
    assert violations(page) == [], "inbox"
    page.get_by_role("link", name=re.compile(code)).first.click()
    page.wait_for_load_state()
    assert violations(page) == [], "submission"
    for path in ("/officer/account", "/officer/reports", "/officer/forums"):
        page.goto(f"{server.url}{path}")
        assert violations(page) == [], path
    # The skip link is the first Tab stop and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert favicon_misses == []  # no page asks for a missing favicon
    context.close()
