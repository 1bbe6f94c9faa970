"""In a real browser: an officer creates a forum, downloads its poster and answers an opinion;
a leader opens the report page, sees the charts and downloads the Excel file."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
import zxingcpp
from PIL import Image
from sqlmodel import Session, select

from feedback_api.db import make_engine
from feedback_api.forums import service as forums
from feedback_api.forums.models import Forum
from feedback_api.forums.schemas import ForumOpinionCreate
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.schemas import SubmissionCreate
from feedback_api.units import service as units
from tests.browser.conftest import LiveServer

PASSWORD = "mat-khau-trinh-duyet-2"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-forums")
    settings = Settings(
        environment="test",
        data_dir=data,
        telegram_bot_username="langnghe_test_bot",
        _env_file=None,
    )
    engine = make_engine(f"sqlite:///{data / 'langnghe.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(
            db_session=db,
            text="code,name,kind,parent_code\nT,Công an tỉnh Thử,province,\n"
            "XA,Công an xã An Bình,commune,T\n",
        )
        unit = units.get_by_code(db_session=db, code="XA")
        for username, role in (("can.bo.xa", "officer"), ("lanh.dao.xa", "leader")):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=f"Đồng chí {username}",
                    role=role,
                    unit_id=unit.id,
                    password=PASSWORD,
                ),
            )
        for i, category in enumerate(("drugs", "drugs", "theft")):
            submissions.create(
                db_session=db,
                settings=settings,
                data=SubmissionCreate(
                    kind="tip",
                    citizen_ref=f"cref_browser_tip{i}",
                    unit_code="XA",
                    category=category,
                    text=f"Tin báo thử số {i} về an ninh trật tự thôn Đông",
                ),
            )
    with LiveServer(create_app(settings, engine=engine)) as server:
        yield server, engine, settings


def _login(page, base, username):
    page.goto(f"{base}/officer/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/officer")


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%Y-%m-%dT%H:%M")


def test_officer_creates_a_forum_downloads_the_poster_and_answers(browser, site, tmp_path):
    server, engine, settings = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    _login(page, server.url, "can.bo.xa")
    page.get_by_role("link", name="Diễn đàn").click()
    now = dt.datetime.now(dt.UTC)
    page.get_by_label("Tên diễn đàn").fill("Diễn đàn lắng nghe ý kiến Nhân dân thôn Đông")
    page.get_by_label("Địa điểm").fill("Nhà văn hóa thôn Đông")
    page.get_by_label("Thời gian tổ chức").fill(_local(now + dt.timedelta(days=2)))
    page.get_by_label("Bắt đầu nhận ý kiến").fill(_local(now - dt.timedelta(hours=1)))
    page.get_by_label("Kết thúc nhận ý kiến").fill(_local(now + dt.timedelta(days=9)))
    page.get_by_label("Chủ đề (mỗi dòng một chủ đề)").fill("An ninh trật tự\nGiao thông")
    page.get_by_role("button", name="Tạo diễn đàn").click()
    page.wait_for_url(re.compile(r"/officer/forums/\d+$"))
    link = page.locator("#telegram-link").inner_text()
    assert re.fullmatch(r"https://t\.me/langnghe_test_bot\?start=f_[a-z0-9]{8}", link)

    with page.expect_download() as download:
        page.locator("#poster-png").click()
    poster = tmp_path / "poster.png"
    download.value.save_as(poster)
    (SHOTS / "forum-poster.png").write_bytes(poster.read_bytes())
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(poster))] == [link]

    # a citizen sends an opinion through the bot (the bot's API call, in process here)
    with Session(engine, expire_on_commit=False) as db:
        forum = db.exec(select(Forum)).one()
        forums.submit_opinion(
            db_session=db,
            settings=settings,
            code=forum.code,
            data=ForumOpinionCreate(
                citizen_ref="cref_browser_citizen",
                channel="telegram",
                text="Đường thôn Đông tối, đề nghị lắp đèn",
            ),
        )
    page.reload()
    page.get_by_role("button", name="Tự động nhóm ý kiến").click()
    page.wait_for_url(re.compile(r"#themes$"))
    theme = page.locator("article.theme").first
    theme.get_by_label("Tiêu đề công khai").fill("Chiếu sáng đường thôn Đông")
    theme.get_by_label("Hình thức").select_option("accept")
    theme.get_by_label("Nội dung trả lời").fill("UBND xã sẽ lắp đèn trong tháng 12.")
    theme.get_by_role("button", name="Lưu trả lời nhóm").click()
    page.wait_for_url(re.compile(r"#theme-\d+$"))
    page.get_by_role("button", name="Công bố trả lời (gửi đến người tham gia)").click()
    page.wait_for_url(re.compile(r"published=1"))
    assert "(đã gửi)" in page.content()
    page.screenshot(path=str(SHOTS / "forum-detail.png"), full_page=True)
    from tests.browser.axe import violations

    assert violations(page) == [], "forum detail"
    public = browser.new_page(viewport={"width": 390, "height": 844})
    public.goto(f"{server.url}/forums/{forum.code}")
    assert "UBND xã sẽ lắp đèn trong tháng 12." in public.content()
    assert "cref_browser_citizen" not in public.content()
    public.screenshot(path=str(SHOTS / "forum-public.png"), full_page=True)
    assert violations(public) == [], "public forum page"
    public.close()
    page.close()


def test_leader_sees_the_charts_and_downloads_the_excel_file(browser, site, tmp_path):
    server, _engine, _settings = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    _login(page, server.url, "lanh.dao.xa")
    page.get_by_role("link", name="Báo cáo").click()
    page.wait_for_url(re.compile(r"/officer/reports"))
    assert page.locator("svg.chart").count() == 4
    bars = page.locator("#by-category rect.bar")
    assert [bars.nth(i).get_attribute("data-value") for i in range(bars.count())] == ["2", "1"]
    assert page.locator("#by-category").is_visible()
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    from tests.browser.axe import violations

    assert violations(page) == [], "report with charts"
    with page.expect_download() as download:
        page.locator("#xlsx").click()
    target = tmp_path / "report.xlsx"
    download.value.save_as(target)
    book = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    summary = dict(book["Tổng hợp"].iter_rows(min_row=2, values_only=True))
    assert summary["Tin báo tiếp nhận"] == 3
    # On a phone the charts shrink to the screen instead of widening the page.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#by-category").bounding_box()["width"] <= 390
    page.screenshot(path=str(SHOTS / "report-phone.png"), full_page=True)
    page.close()
