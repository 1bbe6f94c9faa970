"""In a real browser: campaign staff compose a campaign and watch the recipient count follow the
audience they pick; they cannot approve their own; a leader of the commune approves it; the
delivery engine sends it, and the campaign page's progress section — refreshed by itself —
ends with the final report, a Zalo refusal counted with its reason."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from bot.broadcast_worker import BroadcastWorker
from bot.channels.base import DeliveryError
from bot.contacts import ContactRegistry
from bot.storage import contacts as contacts_table
from bot.storage import make_bot_engine
from feedback_api.broadcasts.models import Broadcast
from feedback_api.client import FeedbackClient
from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.subscriptions.models import Subscription
from feedback_api.units import service as units
from tests.bot.broadcast_fixtures import NO_QUIET, TOKEN, UNITS_CSV, RecordingBroadcast
from tests.browser.conftest import LiveServer

PASSWORD = "mat-khau-trinh-duyet-3"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# (unit, topics, how many): five in the author's commune, four in the ward next door
AUDIENCE = (("XA", "security", 3), ("XA", "traffic", 2), ("PB", "security", 4))
OUT_OF_WINDOW = "1003"  # the Zalo follower who has not written for more than 7 days


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-broadcasts")
    settings = Settings(
        environment="test",
        data_dir=data,
        service_token=TOKEN,
        secret_key="browser-secret-key-0123456789abcdef",
        broadcast_per_second=50.0,
        _env_file=None,
        **NO_QUIET,
    )
    engine = make_engine(f"sqlite:///{data / 'langnghe.db'}")
    upgrade(engine)
    bot_engine = make_bot_engine(f"sqlite:///{data / 'bot.db'}")
    now = dt.datetime.now(dt.UTC)
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(db_session=db, text=UNITS_CSV)
        xa = units.get_by_code(db_session=db, code="XA")
        for username, role in (("chien.dich.xa", "campaign"), ("lanh.dao.xa", "leader")):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=f"Đồng chí {username}",
                    role=role,
                    unit_id=xa.id,
                    password=PASSWORD,
                ),
            )
        chat = 1000
        for code, topics, count in AUDIENCE:
            unit = units.get_by_code(db_session=db, code=code)
            for _ in range(count):
                chat += 1
                ref = f"c_browser_{chat}"
                db.add(Subscription(citizen_ref=ref, unit_id=unit.id, topics=topics, active=True))
                channel = "zalo" if str(chat) == OUT_OF_WINDOW else "telegram"
                with bot_engine.begin() as connection:
                    connection.execute(
                        insert(contacts_table).values(
                            citizen_ref=ref,
                            channel=channel,
                            external_id=str(chat),
                            blocked=False,
                            created_at=now,
                        )
                    )
        db.commit()
    app = create_app(settings, engine=engine)
    with LiveServer(app) as server:
        yield server, app, engine, bot_engine


class OutsideWindow:
    """Zalo as the worker meets it: this follower is outside the consultation window."""

    async def deliver(self, chat_id, content, *, test, image) -> None:
        raise DeliveryError("outside_window: last message 2026-11-20", skipped="outside_window")


def _deliver_in_background(app, bot_engine, telegram: RecordingBroadcast) -> threading.Thread:
    """The worker process: its own thread and event loop (Playwright holds this one)."""

    async def go() -> None:
        client = FeedbackClient.in_process(app, TOKEN)
        channels = {"telegram": telegram, "zalo": OutsideWindow()}
        worker = BroadcastWorker(client, ContactRegistry(bot_engine), channels)
        try:
            for _ in range(10):
                if await worker.run_once() == 0:
                    break
            await client.broadcast_claim(limit=1)  # housekeeping closes the finished campaign
        finally:
            await client.aclose()

    thread = threading.Thread(target=lambda: asyncio.run(go()))
    thread.start()
    return thread


def _login(page, base, username):
    page.goto(f"{base}/officer/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/officer(/.*)?$"))


def test_compose_count_approve_by_a_second_person_and_watch_the_progress(browser, site):
    server, app, engine, bot_engine = site
    base = server.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    author = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="vi-VN")
    page = author.new_page()
    _login(page, base, "chien.dich.xa")
    page.goto(f"{base}/officer/broadcasts/new")
    count = page.locator("#recipient-count")
    # Everyone subscribed in the author's commune, not the ward next door.
    count.filter(has_text="5").wait_for()
    assert "Sẽ gửi tới 5 người đăng ký" in count.inner_text()
    page.locator("input[name=topics][value=security]").check()
    page.locator("#recipient-count", has_text="3").wait_for()
    assert page.locator("input[name=unit_ids]").count() >= 1
    page.get_by_label("Tiêu đề (chỉ cán bộ thấy)").fill("Cảnh báo lừa đảo qua điện thoại")
    page.locator("textarea[name=text]").fill(
        "Công an xã An Bình cảnh báo: không cung cấp mã OTP cho bất kỳ ai qua điện thoại."
    )
    page.locator("input[name=link_label_1]").fill("Xem hướng dẫn")
    page.locator("input[name=link_url_1]").fill("https://dichvucong.gov.vn/huong-dan")
    page.screenshot(path=str(SHOTS / "broadcast-compose.png"), full_page=True)
    from tests.browser.axe import violations

    misses = []  # no page of the campaign officer asks for a missing file (the favicon)
    page.on("response", lambda r: misses.append(r.url) if r.status == 404 else None)
    assert violations(page) == [], "compose"
    page.get_by_role("button", name="Tạo bản nháp").click()
    page.wait_for_url(re.compile(r"/officer/broadcasts/\d+"))
    detail = page.url.split("?")[0]
    assert page.locator("#status").inner_text() == "Nháp — chờ duyệt"
    # Four eyes: the author sees no approve button, only that a second person must approve.
    assert page.get_by_role("button", name="Duyệt và cho gửi").count() == 0
    assert "Chờ lãnh đạo hoặc quản trị viên" in page.content()

    leader = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="vi-VN")
    approver = leader.new_page()
    _login(approver, base, "lanh.dao.xa")
    approver.goto(detail)
    approver.get_by_role("button", name="Duyệt và cho gửi").click()
    approver.wait_for_url(re.compile(r"flash=approved"))
    assert "Đã duyệt chiến dịch." in approver.content()
    assert "Đồng chí lanh.dao.xa" in approver.locator("dl.facts").first.inner_text()

    page.reload()  # the author opens the campaign again: approved, waiting for the worker
    assert page.locator("#status").inner_text() != "Nháp — chờ duyệt"
    telegram = RecordingBroadcast()
    _deliver_in_background(app, bot_engine, telegram).join(timeout=60)
    assert sorted(telegram.chats()) == ["1001", "1002"]  # security topic; 1003 is on Zalo

    # From there the page follows by itself: the progress section every 2 s, and the whole page
    # once the status moves (finished), so the status and the actions are current too.
    page.locator("#progress .flash", has_text="Báo cáo cuối").wait_for(timeout=15_000)
    assert page.locator("#status").inner_text() == "Hoàn tất"
    assert page.get_by_role("button", name="Tạm dừng").count() == 0
    progress = page.locator("#progress")
    assert progress.locator("[data-k=sent]").inner_text() == "2"
    assert progress.locator("[data-k=pending]").inner_text() == "0"
    assert progress.locator("[data-reason=outside_window]").count() == 1
    assert "ngoài khung tư vấn của Zalo" in progress.inner_text()
    assert progress.locator("progress").get_attribute("value") == "3"
    page.screenshot(path=str(SHOTS / "broadcast-progress.png"), full_page=True)
    assert violations(page) == [], "campaign detail"
    page.goto(f"{base}/officer/broadcasts")  # the campaign officer's home
    assert violations(page) == [], "campaigns"
    assert misses == []
    with Session(engine) as db:
        assert db.exec(select(Broadcast.status)).one() == "done"
    author.close()
    leader.close()
