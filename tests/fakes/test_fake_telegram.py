"""The fake Telegram server, exercised through the real python-telegram-bot client.

Why: end-to-end tests of the bot trust this fake, so it must speak the Bot API well enough that
PTB 22 de-serialises its answers and maps its errors exactly as it would with Telegram.
pytest-asyncio is not installed, so each test drives its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler

from tests.fakes.telegram_server import Call, FakeRefused, FakeTelegram

TOKEN = "123456:TEST-token"
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Hỏi đáp", callback_data="faq:1")]])
T = TypeVar("T")


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def run_with_bot(tg: FakeTelegram, scenario: Callable[[Bot], Awaitable[T]]) -> T:
    async def main() -> T:
        async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def post_raw(tg: FakeTelegram, method: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{tg.base_url}{TOKEN}/{method}", trust_env=False, **kwargs)


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[tuple[Any, str | None]]]]:
    """A stand-in for the bot's webhook endpoint, recording (update, secret header) pairs."""
    received: list[tuple[Any, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((json.loads(body), self.headers.get("X-Telegram-Bot-Api-Secret-Token")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/telegram", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_get_me_reports_the_bot_id_from_the_token(tg: FakeTelegram) -> None:
    me = run_with_bot(tg, lambda bot: bot.get_me())

    assert (me.id, me.is_bot, me.username) == (123456, True, "langnghe_test_bot")
    assert tg.tokens == {TOKEN}
    assert tg.calls("getMe")


def test_send_message_returns_a_message_echoing_the_inline_keyboard(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> tuple[Message, Message]:
        first = await bot.send_message(42, "Xin chào", reply_markup=KEYBOARD)
        return first, await bot.send_message(42, "123")

    first, second = run_with_bot(tg, scenario)

    assert isinstance(first, Message)
    assert (first.chat.id, first.chat.type, first.text) == (42, "private", "Xin chào")
    assert first.from_user is not None and first.from_user.id == 123456
    assert first.reply_markup == KEYBOARD
    assert second.message_id == first.message_id + 1
    assert tg.messages_to(42) == ["Xin chào", "123"]  # free text is never JSON-decoded
    call = tg.calls("sendMessage")[0]
    assert call.chat_id == 42
    assert call.reply_markup == {
        "inline_keyboard": [[{"text": "Hỏi đáp", "callback_data": "faq:1"}]]
    }


def test_get_updates_returns_pushed_text_and_callback_then_honours_offset(
    tg: FakeTelegram,
) -> None:
    async def scenario(bot: Bot) -> Any:
        sent = await bot.send_message(42, "Chọn chủ đề", reply_markup=KEYBOARD)
        tg.push_update(tg.text_update(42, "/start"))
        tg.push_update(tg.callback_update(42, "faq:1"))
        updates = await bot.get_updates(timeout=1)
        again = await bot.get_updates(timeout=0)  # unconfirmed: delivered again
        after = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        return sent, updates, again, after

    sent, updates, again, after = run_with_bot(tg, scenario)

    assert len(updates) == 2 and updates[0].update_id < updates[1].update_id
    text = updates[0].message
    assert (text.text, text.chat.id, text.from_user.id) == ("/start", 42, 42)
    assert text.entities[0].type == MessageEntity.BOT_COMMAND
    query = updates[1].callback_query
    assert query.data == "faq:1"
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == KEYBOARD
    assert len(again) == 2
    assert after == ()
    assert "getUpdates" not in {call.method for call in tg.sent}  # polling is not recorded


def test_long_poll_wakes_up_when_an_update_is_pushed(tg: FakeTelegram) -> None:
    timer = threading.Timer(0.2, lambda: tg.push_update(tg.location_update(42, 21.0285, 105.8542)))

    async def scenario(bot: Bot) -> Any:
        timer.start()
        started = time.monotonic()
        updates = await bot.get_updates(timeout=5)
        return updates, time.monotonic() - started

    updates, elapsed = run_with_bot(tg, scenario)
    timer.join()

    assert elapsed < 3
    assert updates[0].message.location.latitude == pytest.approx(21.0285)


def test_contact_update_is_the_senders_own_contact(tg: FakeTelegram) -> None:
    tg.push_update(tg.contact_update(42, "+84901234567"))

    (update,) = run_with_bot(tg, lambda bot: bot.get_updates())

    assert update.message.contact.phone_number == "+84901234567"
    assert update.message.contact.user_id == update.message.from_user.id == 42


def test_files_round_trip_through_get_file_and_download(tg: FakeTelegram) -> None:
    payload = b"\x89PNG\r\n\x1a\n\x00\xff binary\r\n--not-a-boundary\r\n"
    tg.push_update(tg.photo_update(42, payload, caption="Ảnh hiện trường"))

    async def scenario(bot: Bot) -> Any:
        (update,) = await bot.get_updates()
        incoming = await (await update.message.photo[-1].get_file()).download_as_bytearray()
        sent = await bot.send_photo(42, photo=payload, caption="Đã nhận")
        echoed = await (await bot.get_file(sent.photo[-1])).download_as_bytearray()
        doc = await bot.send_document(42, document=b"a,b\n1,2\n", filename="bao_cao.csv")
        return update, bytes(incoming), bytes(echoed), doc

    update, incoming, echoed, doc = run_with_bot(tg, scenario)

    assert update.message.caption == "Ảnh hiện trường"
    assert incoming == payload
    assert echoed == payload
    assert tg.calls("sendPhoto")[0].files["photo"].content == payload
    assert (doc.document.file_name, doc.document.mime_type) == ("bao_cao.csv", "text/csv")
    assert tg.messages_to(42) == ["Đã nhận"]


def test_injected_429_raises_retry_after_and_records_timing(
    tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # opt in: the int form warns, warnings are errors
    tg.fail_next("sendMessage", retry_after=3)

    async def scenario(bot: Bot) -> RetryAfter:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "Lần 1")
        await bot.send_message(42, "Lần 2")
        return caught.value

    error = run_with_bot(tg, scenario)

    assert error.retry_after == dt.timedelta(seconds=3)
    failed, succeeded = tg.calls("sendMessage")
    assert (failed.status, succeeded.status) == (429, 200)
    assert failed.at <= succeeded.at
    assert tg.messages_to(42) == ["Lần 2"]


def test_injected_403_only_hits_the_filtered_chat(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", status=403, chat_id=7)

    async def scenario(bot: Bot) -> None:
        await bot.send_message(42, "Bình thường")
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(7, "Bị chặn")
        await bot.send_message(7, "Lần sau")

    run_with_bot(tg, scenario)

    assert tg.messages_to(42) == ["Bình thường"]
    assert tg.messages_to(7) == ["Lần sau"]


def test_error_and_success_shapes_on_the_wire(tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", retry_after=3)
    tg.fail_next("sendMessage", status=403)

    throttled = post_raw(tg, "sendMessage", data={"chat_id": "5", "text": "a"})
    blocked = post_raw(tg, "sendMessage", data={"chat_id": "5", "text": "a"})
    unknown = post_raw(tg, "fooBar")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    as_json = post_raw(
        tg, "sendMessage", json={"chat_id": 5, "text": "007", "reply_markup": json.dumps(markup)}
    )

    assert throttled.status_code == 429
    assert throttled.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert blocked.json() == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    assert unknown.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    result = as_json.json()["result"]
    assert (result["text"], result["reply_markup"]) == ("007", markup)


def test_unknown_method_raises_end_point_not_found(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("fooBar")

    run_with_bot(tg, scenario)


def test_edits_and_callback_answers(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> Any:
        sent = await bot.send_message(42, "Chọn", reply_markup=KEYBOARD)
        edited = await bot.edit_message_text("Đã chọn", chat_id=42, message_id=sent.message_id)
        marked = await bot.edit_message_reply_markup(
            chat_id=42, message_id=sent.message_id, reply_markup=KEYBOARD
        )
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_reply_markup(
                chat_id=42, message_id=sent.message_id, reply_markup=KEYBOARD
            )
        query = tg.callback_update(42, "faq:1")["callback_query"]
        answered = await bot.answer_callback_query(query["id"], text="Đã ghi nhận")
        return edited, marked, answered

    edited, marked, answered = run_with_bot(tg, scenario)

    assert edited.text == "Đã chọn"
    assert edited.reply_markup is None  # an edit without a keyboard removes it, as on Telegram
    assert marked.reply_markup == KEYBOARD
    assert answered is True
    assert tg.messages_to(42) == ["Chọn"]


def test_callback_data_is_limited_to_64_bytes_not_characters(tg: FakeTelegram) -> None:
    too_long = "phản-ánh:" * 7  # 63 characters, but 84 bytes in UTF-8
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data=too_long)]])

    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(42, "x", reply_markup=keyboard)

    run_with_bot(tg, scenario)


def test_webhook_is_recorded_blocks_polling_and_delivers_updates(tg: FakeTelegram) -> None:
    with webhook_receiver() as (url, received):

        async def scenario(bot: Bot) -> Any:
            with pytest.raises(BadRequest, match=r"(?i)secret token"):
                await bot.set_webhook(url, secret_token="bí mật")
            await bot.set_webhook(url, secret_token="bi-mat_123")
            info = await bot.get_webhook_info()
            with pytest.raises(Conflict):
                await bot.get_updates()
            return info

        info = run_with_bot(tg, scenario)
        update = tg.text_update(42, "Xin chào")
        response = tg.deliver_webhook(update)
        tg.deliver_webhook(update, secret="sai")

    assert (tg.webhook_url, tg.webhook_secret, info.url) == (url, "bi-mat_123", url)
    assert response.status_code == 200
    assert received == [(update, "bi-mat_123"), (update, "sai")]
    run_with_bot(tg, lambda bot: bot.delete_webhook())
    assert tg.webhook_url is None


def test_wait_for_returns_a_matching_call_or_fails_clearly(tg: FakeTelegram) -> None:
    data = {"chat_id": "9", "text": "muộn"}
    timer = threading.Timer(0.1, lambda: post_raw(tg, "sendMessage", data=data))
    timer.start()

    call = tg.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 9)
    timer.join()

    assert isinstance(call, Call) and call.text == "muộn"
    with pytest.raises(AssertionError, match="no matching Bot API call"):
        tg.wait_for(lambda c: c.chat_id == 10, timeout=0.1)


def test_a_real_application_polls_and_replies(tg: FakeTelegram) -> None:
    async def start(update: Any, context: Any) -> None:
        await update.message.reply_text("Chào bạn!", reply_markup=KEYBOARD)

    async def main() -> Call:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=dt.timedelta(seconds=1))
            tg.push_update(tg.text_update(42, "/start"))
            call = await tg.wait_for_async(lambda c: c.method == "sendMessage")
            await app.updater.stop()
            await app.stop()
        return call

    call = asyncio.run(main())

    assert (call.chat_id, call.text, call.reply_markup) == (42, "Chào bạn!", KEYBOARD.to_dict())


def test_a_button_can_only_be_pressed_while_it_is_on_the_message(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> Any:
        sent = await bot.send_message(42, "Chọn", reply_markup=KEYBOARD)
        with pytest.raises(FakeRefused):
            tg.callback_update(42, "not:on:keyboard")
        pressed = tg.callback_update(42, "faq:1")
        await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)
        with pytest.raises(FakeRefused):  # the keyboard is gone: nothing left to press
            tg.callback_update(42, "faq:1", message_id=sent.message_id)
        return pressed

    pressed = run_with_bot(tg, scenario)
    assert pressed["callback_query"]["data"] == "faq:1"


def test_unknown_or_already_answered_callback_queries_are_refused(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.send_message(42, "Chọn", reply_markup=KEYBOARD)
        query_id = tg.callback_update(42, "faq:1")["callback_query"]["id"]
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query("999999")
        assert await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query(query_id)

    run_with_bot(tg, scenario)


def test_reply_keyboard_buttons_arrive_as_text_or_location(tg: FakeTelegram) -> None:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Gửi vị trí", request_location=True)], [KeyboardButton("Bỏ qua")]]
    )
    run_with_bot(tg, lambda bot: bot.send_message(42, "Ở đâu?", reply_markup=keyboard))

    skip = tg.tap_reply_button(42, "Bỏ qua")
    share = tg.tap_reply_button(42, "📍 Gửi vị trí", location=(21.0, 105.8))

    assert skip["message"]["text"] == "Bỏ qua" and "callback_query" not in skip
    assert share["message"]["location"] == {"latitude": 21.0, "longitude": 105.8}
    with pytest.raises(FakeRefused):
        tg.callback_update(42, "Bỏ qua")
    with pytest.raises(AssertionError):
        tg.tap_reply_button(42, "Không có nút này", timeout=0.1)


def test_a_blocked_chat_answers_403_until_unblocked(tg: FakeTelegram) -> None:
    blocked = tg.block(42)
    assert blocked["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden):
        run_with_bot(tg, lambda bot: bot.send_message(42, "x"))
    unblocked = tg.unblock(42)
    assert unblocked["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert run_with_bot(tg, lambda bot: bot.send_message(42, "y")).text == "y"


def test_real_shaped_updates_parse_with_ptb(tg: FakeTelegram) -> None:
    bot = Bot(TOKEN, base_url=tg.base_url)
    original = tg.text_update(42, "Số tài khoản 0123")
    updates = [
        tg.edit_update(original, "Số tài khoản 0124"),
        tg.media_update(42, "video", b"mp4", caption="Clip"),
        tg.media_update(42, "video_note", b"mp4"),
        tg.media_update(42, "voice", b"ogg"),
        tg.media_update(42, "audio", b"mp3", file_name="ghi-am.mp3"),
        *tg.album_updates(42, [b"a", b"b"], caption="Hai ảnh"),
        tg.forwarded_update(
            42, "Trúng thưởng!", {"type": "hidden_user", "sender_user_name": "Lừa", "date": 1}
        ),
        tg.text_link_update(42, "Bấm vào đây nhé", "đây", "http://lua-dao.example"),
        tg.venue_update(42, 21.0, 105.8, "Quán nước", "Ngõ 7"),
        tg.bot_message_update(42, "spam"),
    ]
    parsed = [Update.de_json(u, bot) for u in updates]
    assert parsed[0].edited_message.text == "Số tài khoản 0124"
    assert parsed[1].message.video.mime_type == "video/mp4" and parsed[1].message.caption == "Clip"
    assert parsed[2].message.video_note and parsed[3].message.voice and parsed[4].message.audio
    assert parsed[5].message.media_group_id == parsed[6].message.media_group_id
    assert (parsed[5].message.caption, parsed[6].message.caption) == ("Hai ảnh", None)
    assert parsed[7].message.forward_origin.sender_user_name == "Lừa"
    [link] = parsed[8].message.entities
    assert link.url == "http://lua-dao.example" and parsed[8].message.parse_entity(link) == "đây"
    assert parsed[9].message.venue.title == "Quán nước" and parsed[9].message.location
    assert parsed[10].message.from_user.is_bot
    with pytest.raises(FakeRefused):
        tg.media_update(42, "voice", b"ogg", caption="không được")


def test_html_parse_mode_is_parsed_like_telegram_and_malformed_markup_is_refused(
    tg: FakeTelegram,
) -> None:
    async def scenario(bot: Bot) -> Message:
        for bad in ("<b>không đóng", "a < b", "x & y", "<script>x</script>", "<b>x</i>"):
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(42, bad, parse_mode="HTML")
        return await bot.send_message(42, "<b>Tiêu đề</b>\n\n1 &lt; 2 &amp; 3", parse_mode="HTML")

    sent = run_with_bot(tg, scenario)

    assert sent.text == "Tiêu đề\n\n1 < 2 & 3"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [(MessageEntity.BOLD, 0, 7)]
