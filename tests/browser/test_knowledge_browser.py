"""Two officers close the knowledge loop in a real browser: one turns what citizens asked into a
proposed edit, the other reads the diff and approves it with one click (HTMX)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session

from feedback_api.db import make_engine
from feedback_api.knowledge import seeding, unanswered
from feedback_api.knowledge import service as knowledge
from feedback_api.knowledge.schemas import UnansweredCreate
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.units import service as units
from tests.browser.conftest import LiveServer

PASSWORD = "mat-khau-trinh-duyet-2"
ASKED = (
    "xế nổ bị chôm lúc đá banh ở sân xã",
    "xe no bi chom luc da banh o san xa",
    "Xế nổ bị chôm lúc đi đá banh ở sân xã ạ",
    "làm sổ hồng nhà đất ở đâu",
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-kb")
    settings = Settings(environment="test", data_dir=data, _env_file=None)
    engine = make_engine(f"sqlite:///{data / 'langnghe.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        seeding.seed_if_empty(db_session=db)
        units.import_csv(
            db_session=db, text="code,name,kind,parent_code\nT,Công an tỉnh Thử,province,\n"
        )
        unit = units.get_by_code(db_session=db, code="T")
        for username, name in (("can.bo.a", "Nguyễn Văn An"), ("can.bo.b", "Trần Thị Bình")):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=name,
                    role="officer",
                    unit_id=unit.id,
                    password=PASSWORD,
                ),
            )
        for text in ASKED:
            unanswered.record_unanswered(
                db_session=db, data=UnansweredCreate(text=text, channel="web")
            )
    with LiveServer(create_app(settings, engine=engine)) as server:
        yield server, engine


def _login(page, base, username):
    page.goto(f"{base}/officer/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/officer")


def test_a_group_of_questions_becomes_a_variant_after_a_second_officer_approves(browser, site):
    server, engine = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, server.url, "can.bo.a")
    page.get_by_role("link", name="Hỏi đáp").click()
    page.get_by_role("link", name="Câu hỏi chưa có trả lời").click()
    group = page.locator("article.kb-group").first
    assert "3 lượt" in group.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "knowledge-unanswered.png"), full_page=True)
    from tests.browser.axe import violations

    assert violations(page) == [], "unanswered questions"
    group.get_by_label("Thêm làm câu hỏi mẫu của").select_option("trom-cap")
    group.get_by_role("button", name="Đề xuất thêm").click()
    page.wait_for_url(re.compile(r"/officer/knowledge/revisions\?flash=proposed"))
    assert "Bạn là người đề xuất" in page.content()
    assert page.get_by_role("button", name="Duyệt và áp dụng").count() == 0
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, server.url, "can.bo.b")
    page.goto(f"{server.url}/officer/knowledge/revisions")
    card = page.locator("article.revision").first
    assert "xế nổ bị chôm lúc đá banh ở sân xã" in card.locator(".kb-diff .add").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "knowledge-revision.png"), full_page=True)
    assert violations(page) == [], "revisions"
    card.get_by_role("button", name="Duyệt và áp dụng").click()
    page.locator("article.revision .flash").wait_for()  # swapped in place by HTMX
    assert "Đã duyệt" in page.locator("article.revision").first.inner_text()
    page.goto(f"{server.url}/officer/knowledge")
    assert page.locator("#kb-version").inner_text() == "2"
    assert violations(page) == [], "knowledge"
    with Session(engine) as db:
        questions = knowledge.live_documents(db_session=db)["trom-cap"]["questions"]
    assert "xế nổ bị chôm lúc đá banh ở sân xã" in questions
    page.goto(f"{server.url}/officer/knowledge/entries/trom-cap")
    page.screenshot(path=str(SCREENSHOTS / "knowledge-edit.png"), full_page=True)
    assert violations(page) == [], "knowledge entry"
    page.close()
