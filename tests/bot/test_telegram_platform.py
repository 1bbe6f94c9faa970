"""Telegram as Telegram really behaves: blocking and unblocking, groups and other bots, records
that cannot be processed, update ids that are reused or out of range, and what the bot's own
database keeps about an anonymous informant. Each test drives only what a real client can send
(the fake Bot API refuses anything else)."""

from __future__ import annotations

import datetime as dt
import time

import httpx
from sqlalchemy import update
from sqlmodel import select

from bot.storage import telegram_updates
from feedback_api.submissions.models import Submission
from handlers.texts import t
from tests.bot.telegram_world import (
    CHAT,
    SECRET,
    Server,
    deliver,
    eventually,
    officer_replies,
    press,
    press_label,
    report_quick_tip,
    say,
    tap,
    wait_text,
)

GROUP = -1001234567890


def test_a_citizen_who_blocks_then_unblocks_the_bot_gets_the_reply_sent_meanwhile(config, telegram):
    with Server(config, telegram, sender_blocked_hold_seconds=0.5) as server:
        report_quick_tip(telegram)
        assert deliver(telegram, telegram.block(CHAT)) == 200
        contacts = server.runtime.contacts
        ref = contacts.citizen_ref("telegram", str(CHAT))
        assert eventually(lambda: contacts.resolve(ref).blocked)
        officer_replies(server, "Cán bộ đã tiếp nhận, cảm ơn bạn.")
        time.sleep(1.0)
        assert not any("Cán bộ đã tiếp nhận" in m for m in telegram.messages_to(CHAT))

        assert deliver(telegram, telegram.unblock(CHAT)) == 200
        wait_text(telegram, "Cán bộ đã tiếp nhận")
        assert not contacts.resolve(ref).blocked

        # Blocked by a 403 alone (no my_chat_member seen): the next message unblocks.
        telegram.blocked.add(CHAT)
        officer_replies(server, "Phản hồi thứ hai của cán bộ.")
        assert eventually(lambda: contacts.resolve(ref).blocked)
        telegram.blocked.discard(CHAT)
        say(telegram, "Cảm ơn các anh")
        wait_text(telegram, "Phản hồi thứ hai")


def test_groups_channels_and_other_bots_are_not_served(config, telegram):
    with Server(config, telegram) as server:
        say(telegram, "/start tip", chat=GROUP)
        deliver(telegram, telegram.bot_message_update(GROUP, "báo tin"))
        # A button of ours on a message in the group (sent by an earlier version, say):
        telegram.seed_bot_message(GROUP, "Menu", [(t("menu.tip"), "m:tip")])
        press(telegram, "m:tip", chat=GROUP)
        say(telegram, "/start")  # the private chat still works
        wait_text(telegram, "Xin chào")
        time.sleep(0.5)
        assert telegram.calls(chat_id=GROUP) == []  # no reply, no keyboard edit in the group
        assert not telegram.calls("answerCallbackQuery")
        conversations = server.bot_tables()["bot_conversation"]
        assert [row[1] for row in conversations] == [str(CHAT)]


def test_one_bad_record_is_quarantined_with_its_reason_while_others_proceed(config, telegram):
    with Server(config, telegram) as server:
        updates = server.runtime.telegram.updates
        telegram.fail_next("sendMessage", status=500, times=100, chat_id=5151)
        stuck = telegram.text_update(5151, "/start")
        assert updates.record_now({"update_id": 900, "message": "hỏng"})  # malformed record
        assert updates.record_now(stuck)
        assert updates.record_now(telegram.text_update(CHAT, "/start"))
        wait_text(telegram, "Xin chào")  # processed by the retry pass despite the others
        assert eventually(lambda: updates.status(stuck["update_id"]) == "quarantined")
        assert "gave up" in updates.reason(stuck["update_id"])
        assert updates.status(900) == "quarantined" and "unreadable" in updates.reason(900)
        assert updates.retryable_now() == []


def test_an_update_ptb_cannot_parse_gets_a_short_reply_and_is_counted(config, telegram):
    with Server(config, telegram) as server:
        update = telegram.text_update(CHAT, "xin chào")
        del update["message"]["date"]  # a shape the pinned PTB does not understand
        assert deliver(telegram, update) == 200
        wait_text(telegram, t("unreadable"))
        assert server.runtime.telegram.unreadable == 1
        updates = server.runtime.telegram.updates
        assert eventually(lambda: updates.status(update["update_id"]) == "quarantined")


def test_out_of_range_integers_are_refused_with_400(config, telegram):
    with Server(config, telegram):
        huge = telegram.text_update(CHAT, "/start")
        huge["update_id"] = 2**63
        assert deliver(telegram, huge) == 400
        big_chat = telegram.text_update(CHAT, "/start")
        big_chat["message"]["chat"]["id"] = 2**64
        assert deliver(telegram, big_chat) == 400
        for bad in (-1, "12", 1.5, True):
            assert deliver(telegram, {"update_id": bad}) == 400
        nested = b'{"update_id": 5, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"  # 10 KB
        secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        assert httpx.post(telegram.webhook_url, content=nested, headers=secret).status_code == 400
        time.sleep(0.3)
        assert telegram.messages_to(CHAT) == []


def test_a_reused_update_id_after_the_retention_window_is_processed(config, telegram):
    with Server(config, telegram) as server:
        first = telegram.text_update(CHAT, "/start")
        deliver(telegram, first)
        wait_text(telegram, "Xin chào")
        updates = server.runtime.telegram.updates
        assert eventually(lambda: updates.status(first["update_id"]) == "done")
        week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        with server.runtime.telegram.updates._engine.begin() as connection:
            connection.execute(
                update(telegram_updates)
                .where(telegram_updates.c.update_id == first["update_id"])
                .values(received_at=week_ago)
            )
        reused = telegram.text_update(CHAT, "/help")
        reused["update_id"] = first["update_id"]  # Telegram restarted its sequence
        deliver(telegram, reused)
        wait_text(telegram, t("help")[:30])


def test_messages_up_to_telegrams_4096_characters_are_accepted(config, telegram):
    with Server(config, telegram) as server:
        say(telegram, "/start tip")
        press(telegram, "tip:cat:fraud")
        long_text = ("Kẻ gian gọi điện giả danh cán bộ ngân hàng yêu cầu chuyển tiền. " * 64)[:4000]
        say(telegram, long_text)
        wait_text(telegram, "xảy ra ở xã/phường nào")
        tap(telegram, t("where.unknown"))
        press_label(telegram, "Bỏ qua")
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        with server.db() as db:
            assert len(db.exec(select(Submission)).one().text) == len(long_text.strip())


def test_the_webhook_subscribes_to_edits_and_membership_changes(config, telegram):
    with Server(config, telegram):
        [call] = telegram.calls("setWebhook")
        assert set(call.params["allowed_updates"]) >= {
            "message",
            "edited_message",
            "callback_query",
            "my_chat_member",
        }
        assert call.params["secret_token"] == SECRET


def test_the_bot_database_keeps_nothing_that_identifies_an_anonymous_informant(config, telegram):
    phone = "+84912345678"
    with Server(config, telegram) as server:
        say(telegram, "/start tip")
        press(telegram, "tip:cat:fraud")
        # Mid-flow the citizen shares their own contact (attachment menu → Contact).
        deliver(telegram, telegram.contact_update(CHAT, phone, first_name="Tố"))
        say(telegram, "Có người gọi giả danh công an bắt chuyển tiền vào tài khoản lạ")
        tap(telegram, t("where.unknown"))
        press_label(telegram, "Bỏ qua")
        press(telegram, "tip:anon:anonymous")
        press(telegram, "tip:send")
        wait_text(telegram, "Mã theo dõi")
        updates = server.runtime.telegram.updates
        assert eventually(
            lambda: updates.retryable_now() == [] and not server.runtime.telegram._tasks
        )
        with server.db() as db:
            code = db.exec(select(Submission)).one().tracking_code
        dump = repr(server.bot_tables())
    for identifying in (phone, "912345678", "Nguyễn Văn Tố", "Người dân", f"nguoidan{CHAT}", code):
        assert identifying not in dump, identifying
