"""Rendering for Telegram's limits, and reading updates into engine events."""

from __future__ import annotations

import pytest
from telegram import Bot, Update

from bot.channels.telegram_format import MAX_MESSAGE_CHARS, send_arguments, split_text, to_event
from handlers.events import Button, EventKind, OutboundMessage


def test_long_messages_are_split_at_paragraph_boundaries():
    paragraphs = [f"Đoạn {i}: " + "thông tin pháp luật " * 60 for i in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text)
    assert len(text) > MAX_MESSAGE_CHARS and len(chunks) > 1
    assert all(len(chunk) <= MAX_MESSAGE_CHARS for chunk in chunks)
    assert all(chunk.startswith("Đoạn") for chunk in chunks)  # no paragraph cut in half
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())  # nothing lost


def test_a_single_huge_word_is_still_split():
    chunks = split_text("x" * 10_000)
    assert [len(c) for c in chunks] == [4096, 4096, 1808]


def test_buttons_go_with_the_last_chunk_and_callback_data_fits_64_bytes():
    message = OutboundMessage("a" * 5000, ((Button("Tố giác / Báo tin", "m:tip"),),))
    calls = send_arguments("42", message)
    assert len(calls) == 2 and "reply_markup" not in calls[0]
    assert calls[1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "m:tip"
    with pytest.raises(ValueError):
        Button("x", "ủ" * 30)  # 90 bytes: Vietnamese letters take 2-3 bytes each


def test_a_location_request_uses_a_one_time_reply_keyboard():
    message = OutboundMessage("Ở đâu?", ((Button("Bỏ qua", "tip:skip"),),), request_location=True)
    markup = send_arguments("42", message)[0]["reply_markup"]
    assert markup["keyboard"][0][0]["request_location"] and markup["one_time_keyboard"]
    assert markup["keyboard"][1][0]["text"] == "Bỏ qua"


def test_a_title_is_bold_in_html_mode_and_everything_else_is_escaped():
    message = OutboundMessage("Phạt 2 < 4 triệu & <b>không</b> in đậm", title="Lái xe <A1> & B")
    [call] = send_arguments("42", message)
    assert call["parse_mode"] == "HTML"
    assert call["text"] == (
        "<b>Lái xe &lt;A1&gt; &amp; B</b>\n\n"
        "Phạt 2 &lt; 4 triệu &amp; &lt;b&gt;không&lt;/b&gt; in đậm"
    )


def test_an_untitled_message_stays_plain_text():
    [call] = send_arguments("42", OutboundMessage("Giá < 5 & hơn"))
    assert call == {"chat_id": 42, "text": "Giá < 5 & hơn"}


def test_a_long_titled_answer_is_split_and_every_chunk_is_html():
    message = OutboundMessage(("Chi tiết & điều kiện. " * 60 + "\n\n") * 6, title="Tiêu đề")
    calls = send_arguments("42", message)
    assert len(calls) > 1 and all(c["parse_mode"] == "HTML" for c in calls)
    assert calls[0]["text"].startswith("<b>Tiêu đề</b>")
    assert all("& " not in c["text"] for c in calls)  # no bare ampersand in any chunk


BOT = Bot("1:x")


def _update(**message) -> Update:
    base = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 7, "type": "private"},
        "from": {"id": 7, "is_bot": False, "first_name": "A"},
    }
    return Update.de_json({"update_id": 5, "message": base | message}, BOT)


@pytest.mark.parametrize(
    ("message", "kind", "data"),
    [
        ({"text": "/start tip"}, EventKind.START, "tip"),
        ({"text": "/start"}, EventKind.START, ""),
        ({"text": "/help@langnghe_bot"}, EventKind.COMMAND, "help"),
        ({"text": "xin chào"}, EventKind.TEXT, ""),
        ({"location": {"latitude": 21.0, "longitude": 105.8}}, EventKind.LOCATION, ""),
        (
            {
                "photo": [
                    {"file_id": "a", "file_unique_id": "a", "width": 1, "height": 1},
                    {
                        "file_id": "b",
                        "file_unique_id": "b",
                        "width": 9,
                        "height": 9,
                        "file_size": 99,
                    },
                ]
            },
            EventKind.PHOTO,
            "",
        ),
        (
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "s",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            EventKind.TEXT,
            "",
        ),
    ],
)
def test_updates_become_engine_events(message, kind, data):
    event = to_event(_update(**message))
    assert event.kind == kind and event.data == data and event.chat_id == "7"
    if kind == EventKind.PHOTO:
        assert event.file.channel_file_id == "b" and event.file.size == 99  # the largest size


def test_group_chats_are_ignored():
    update = Update.de_json(
        {
            "update_id": 6,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -5, "type": "group", "title": "g"},
                "text": "hi",
            },
        },
        BOT,
    )
    assert to_event(update) is None


def test_someone_elses_shared_contact_is_not_taken_as_the_citizens_phone():
    event = to_event(_update(contact={"phone_number": "0900", "first_name": "B", "user_id": 8}))
    assert event.kind == EventKind.CONTACT and event.phone is None
    own = to_event(_update(contact={"phone_number": "0911", "first_name": "A", "user_id": 7}))
    assert own.phone == "0911"
