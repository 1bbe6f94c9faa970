"""Crash test: citizens keep reporting tips — one in the web chat, one on Telegram (through the
webhook, to the fake Bot API) — while the server process is killed with SIGKILL and restarted,
three times. Afterwards every tip whose tracking code reached its citizen is in the database,
with the words that citizen wrote, and no tip is stored twice. A citizen whose report was cut
off by a crash does not retry it (a new report starts with new words), so anything stored twice
would be the server's doing.

On SQLite always; on PostgreSQL when it is available (required under CI=true). The test's own
time — citizens' traffic, kills, the wait for what is owed — is bounded (< 60 s); the servers'
start-ups come on top (a few seconds each on an idle machine: imports, the FAQ's models) and
are printed.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from feedback_api.db import make_engine
from feedback_api.submissions.models import Submission
from handlers.texts import t
from tests.bot.test_webchat import Visitor
from tests.conftest import require
from tests.fakes.telegram_server import FakeTelegram
from tests.feedback_api.conftest import PG_ADMIN_URL, _postgres_available
from tests.processes import ServeProcess, deliver, fresh_postgres_database, server_env

KILLS = 3
TRAFFIC_BEFORE_KILL = (2.0, 3.5)  # seconds of tips between a (re)start and the next SIGKILL
STEP_TIMEOUT = 4.0  # a citizen waits this long for an answer before giving up on the report
CODE = re.compile(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(params=["sqlite", "postgres"])
def databases(request, tmp_path):
    """(feedback database URL, bot database URL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'langnghe.db'}", f"sqlite:///{tmp_path / 'bot.db'}"
        return
    require(_postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    url, drop = fresh_postgres_database(PG_ADMIN_URL)
    yield url, url
    drop()


@pytest.fixture
def fake():
    with FakeTelegram() as tg:
        yield tg


class Gone(Exception):
    """The server went away mid-report: the citizen gives up on this one."""


def web_tip(base_url: str, words: str) -> str | None:
    """One report in the web chat, as the page's buttons do it; the code shown, if any."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=STEP_TIMEOUT) as client:
        visitor = Visitor(client)
        visitor.presses("Tố giác")
        visitor.presses("Trộm cắp")
        visitor.says(words)
        visitor.presses(t("where.unknown"))
        visitor.presses("Bỏ qua")
        visitor.presses("Ẩn danh")
        visitor.presses("Gửi tin")
        found = CODE.search(visitor.text())
        return found.group(0) if found else None


def telegram_tip(fake: FakeTelegram, server: ServeProcess, chat: int, words: str) -> None:
    """One report on Telegram, each step once the bot has offered it (as a real client)."""

    def send(update: dict) -> None:
        if deliver(fake, update, server) != 200:
            raise Gone

    def press(data: str) -> None:
        fake.wait_for_button(chat, data, timeout=STEP_TIMEOUT)
        send(fake.callback_update(chat, data))

    def press_label(label: str) -> None:
        def offers(call) -> bool:
            rows = (call.reply_markup or {}).get("inline_keyboard") or []
            return call.chat_id == chat and any(b["text"] == label for row in rows for b in row)

        call = fake.wait_for(lambda c: c.method == "sendMessage" and offers(c), STEP_TIMEOUT)
        rows = call.reply_markup["inline_keyboard"]
        press(next(b["callback_data"] for row in rows for b in row if b["text"] == label))

    send(fake.text_update(chat, "/start tip"))
    press("tip:cat:fraud")
    send(fake.text_update(chat, words))
    send(fake.tap_reply_button(chat, t("where.unknown"), timeout=STEP_TIMEOUT))
    press_label("Bỏ qua")
    press("tip:anon:anonymous")
    press("tip:send")
    fake.wait_for(
        lambda c: c.chat_id == chat and c.ok and "Mã theo dõi" in (c.text or ""), STEP_TIMEOUT
    )


def test_tips_whose_code_reached_the_citizen_survive_sigkill_and_none_is_stored_twice(
    tmp_path, databases, fake
):
    database_url, bot_database_url = databases
    server = ServeProcess(tmp_path, server_env(tmp_path, database_url, bot_database_url, fake), "s")
    server.start()
    started = time.monotonic()
    stop = threading.Event()
    web_reports: list[tuple[str, str | None]] = []  # (words, code the page showed)
    telegram_reports: list[tuple[int, str]] = []  # (chat, words)
    failures = Counter()

    def web_citizen() -> None:
        while not stop.is_set():
            words = f"Tin web số {len(web_reports) + 1}: kẻ gian bẻ khóa xe máy trước cổng chợ"
            try:
                web_reports.append((words, web_tip(server.url, words)))
            except (httpx.HTTPError, AssertionError) as error:  # cut off: give up on it
                web_reports.append((words, None))
                failures[type(error).__name__] += 1
                time.sleep(0.5)  # the server is down or restarting

    def telegram_citizen() -> None:
        while not stop.is_set():
            chat = 60_000 + len(telegram_reports)  # a new citizen each time: a clean start
            words = f"Tin Telegram số {len(telegram_reports) + 1}: gọi giả danh công an"
            telegram_reports.append((chat, words))
            try:
                telegram_tip(fake, server, chat, words)
            except (httpx.HTTPError, AssertionError, Gone) as error:
                failures[type(error).__name__] += 1
                time.sleep(0.5)  # the server is down or restarting

    citizens = [threading.Thread(target=web_citizen), threading.Thread(target=telegram_citizen)]
    for citizen in citizens:
        citizen.start()
    try:
        for _kill in range(KILLS):
            time.sleep(random.uniform(*TRAFFIC_BEFORE_KILL))
            server.kill()
            server.start()
        time.sleep(random.uniform(*TRAFFIC_BEFORE_KILL))
    finally:
        stop.set()
        for citizen in citizens:
            citizen.join(timeout=3 * STEP_TIMEOUT)
        time.sleep(1.0)  # the last server delivers what it owes (retries, queued codes)
        server.stop()
    elapsed = time.monotonic() - started
    restarts = sum(server.startup_seconds[1:])

    reached = {code: words for words, code in web_reports if code}
    for chat, words in telegram_reports:
        for message in fake.messages_to(chat):
            if "Mã theo dõi" in message:
                reached[CODE.search(message).group(0)] = words
    engine = make_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(select(Submission.tracking_code, Submission.text)).all()
    engine.dispose()
    by_code = {row.tracking_code: row.text for row in stored}
    print(
        f"\n{elapsed:.0f}s ({restarts:.0f}s of it restarting), {KILLS} SIGKILLs:"
        f" {len(web_reports)} web and {len(telegram_reports)} Telegram attempts,"
        f" {len(reached)} codes reached their citizen, {len(stored)} tips stored;"
        f" cut off: {dict(failures)}"
    )
    assert len(reached) >= KILLS, "too few tips got through to show anything"
    for code, words in reached.items():  # every code a citizen saw is a stored tip...
        assert by_code.get(code) == words, f"{code} reached its citizen but is not stored"
    twice = [words for words, count in Counter(row.text for row in stored).items() if count > 1]
    assert twice == [], f"stored twice: {twice}"  # ...and nothing is stored twice
    assert elapsed - restarts < 60
