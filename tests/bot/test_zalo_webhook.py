"""The Zalo webhook as an attacker with curl meets it: only authentic, fresh events are
accepted; a resent or replayed event is processed once; hostile content gets a polite answer
and never a 500, and nothing identifying the citizen is kept after processing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.channels.zalo_events import Rejected, to_event, verify
from bot.storage import zalo_events
from feedback_api.submissions.models import Attachment, Submission
from handlers.events import EventKind
from handlers.texts import t
from tests.bot.zalo_world import USER, ZaloWorld, jpeg_bytes


async def post_raw(world: ZaloWorld, body: bytes, headers: dict) -> int:
    response = await world.http.post("/zalo/webhook", content=body, headers=headers)
    await world.bot.zalo.wait_idle()
    return response.status_code


def sign_with(zalo, body: bytes, timestamp: str, key: str) -> str:
    digest = hashlib.sha256(zalo.app_id.encode() + body + timestamp.encode() + key.encode())
    return "mac=" + digest.hexdigest()


def test_wrong_missing_or_stale_signatures_are_rejected_and_nothing_is_processed(
    zalo_world_factory, zalo
):
    async def scenario(world: ZaloWorld):
        payload = zalo.text_event(USER, "xin chào")
        body, headers = zalo.signed(payload)
        ts = payload["timestamp"]
        hmac_instead = (
            "mac="
            + hmac.new(
                zalo.oa_secret_key.encode(), zalo.app_id.encode() + body + ts.encode(), "sha256"
            ).hexdigest()
        )
        attempts = [
            {},  # missing
            {"X-ZEvent-Signature": ""},
            {"X-ZEvent-Signature": "mac=" + "0" * 64},
            {"X-ZEvent-Signature": sign_with(zalo, body, ts, zalo.app_secret)},  # app secret
            {"X-ZEvent-Signature": hmac_instead},  # an HMAC is not Zalo's scheme
            {"X-ZEvent-Signature": headers["X-ZEvent-Signature"].removeprefix("mac=")},
        ]
        for extra in attempts:
            assert await post_raw(world, body, {"Content-Type": "application/json"} | extra) == 401
        # the body changed after signing
        tampered = body.replace("xin chào".encode(), "chào xin".encode())
        assert await post_raw(world, tampered, headers) == 401
        # a correctly signed event, captured and replayed ten minutes later
        old = zalo.text_event(USER, "cũ")
        zalo.now += dt.timedelta(minutes=10)
        world.bot.zalo._now_ms = lambda: int(zalo.now.timestamp() * 1000)
        assert await post_raw(world, *zalo.signed(old)) == 401
        # signed for another app
        other = zalo.text_event(USER, "app khác") | {"app_id": "999"}
        assert await post_raw(world, *zalo.signed(other)) == 401
        assert world.bot.zalo.events.count() == 0
        assert zalo.sent() == []

    zalo_world_factory(scenario)


def test_a_resent_or_replayed_event_is_processed_once(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        payload = zalo.text_event(USER, "lam cccd lan dau can gi")
        for _ in range(3):
            assert (await world.post(payload)).status_code == 200
        answers = [x for x in zalo.texts(USER) if x.startswith("Làm thẻ căn cước")]
        assert len(answers) == 1
        assert world.bot.zalo.events.count() == 1

    zalo_world_factory(scenario)


def test_an_event_whose_reply_failed_is_retried_from_the_record(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        zalo.fail_next("/v3.0/oa/message/cs", -1)  # Zalo had an internal error
        await world.say("xin chào")
        assert world.zalo.texts(USER) == []
        await world.bot.zalo.retry_pending()
        assert world.zalo.texts(USER)  # delivered from the record, engine not run twice
        assert world.bot.zalo.events.retryable() == []

    zalo_world_factory(scenario)


def test_our_own_echoes_and_receipts_are_acknowledged_and_ignored(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        for name in ("oa_send_text", "user_received_message", "user_seen_message", "new_thing"):
            event = zalo.event(name, USER, {"text": "x"})
            assert (await world.post(event)).status_code == 200
        assert zalo.sent() == []

    zalo_world_factory(scenario)


def test_the_bot_keeps_nothing_identifying_after_processing(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("Tôi muốn tố giác người hàng xóm buôn ma túy")
        await world.post(world.zalo.event("follow", USER))
        with world.bot.zalo.events._engine.begin() as connection:
            rows = connection.execute(sa.select(zalo_events)).all()
        assert [row.payload for row in rows] == [{}, {}]
        assert all(row.status == "done" and row.chat_id is None for row in rows)
        assert not any(USER in row.key for row in rows)

    zalo_world_factory(scenario)


# -- hostile content (the same set the Telegram channel faces) ---------------------------------


def test_hostile_text_gets_polite_answers(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("cccd " * 2000)
        assert "quá dài" in world.all_text()
        for text in ("🙏🙏🙏", "\x00\x01\x02", "\u200b", "   ", "<script>alert(1)</script>"):
            await world.say(text)
            assert world.last_text()
        # typed (forged) button payloads never act: only a choice on offer does
        for forged in ("#tip:send", "#zzz", "#ask:faq:../../etc/passwd", "#sub:u:' OR 1=1"):
            await world.say(forged)
            assert world.last_text()
        assert t("expired_button") in world.all_text()
        with world.db() as db:
            assert db.exec(select(Submission)).all() == []

    zalo_world_factory(scenario)


def test_the_rest_of_the_telegram_hostile_set_on_zalo(zalo_world_factory, zalo):
    """tests/handlers/test_bad_input.py, as a Zalo citizen: an over-long tip description keeps
    the tip, a photo where words are expected is kept, Unicode digits are not choices, and the
    feedback API being down loses nothing (the tip is kept and forwarded when it is back)."""

    async def scenario(world: ZaloWorld):
        await world.say("báo tin")
        await world.say("٣")  # an Arabic-Indic three is not the third category
        assert "1. " in world.last_text() and "bận" not in world.last_text()
        for digit in ("²", "①", "１"):
            await world.say(digit)
            assert world.last_text() and "bận" not in world.last_text()
        await world.say("báo tin")
        number = next(
            line.split(".")[0]
            for line in world.last_text().splitlines()
            if line.endswith(t("tip.category.theft"))
        )
        await world.say(number)
        before = len(zalo.texts(USER))
        await world.post(zalo.image_event(USER, jpeg_bytes()))
        answer = "\n".join(zalo.texts(USER)[before:])
        assert t("tip.file_kept_describe") in answer and "mô tả sự việc" in answer
        before = len(zalo.texts(USER))
        await world.say("a" * 10_000)
        assert "quá dài" in "\n".join(zalo.texts(USER)[before:])
        await world.say("Kẻ gian bẻ khóa lấy xe máy ở chợ thôn Nam lúc 2 giờ sáng")
        assert t("where.tip") in world.all_text()
        await world.press("w:x")
        await world.press("tip:done")  # the photo sent early is the evidence already
        await world.press("tip:anon:anonymous")
        client = world.bot.client
        original = client.create_submission

        async def down(*args, **kwargs):
            raise ConnectionError("feedback API unreachable")

        client.create_submission = down
        await world.press("tip:send")
        assert "đã được lưu an toàn" in world.last_text()  # kept, forwarded when it is back
        client.create_submission = original
        assert await world.bot.pending.run_once() == 1
        await world.deliver_outbox()
        assert re.search(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}", world.all_text())
        with world.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert len(db.exec(select(Attachment)).all()) == 1  # the early photo was kept
            assert "bẻ khóa" in tip.text and tip.category == "theft"

    zalo_world_factory(scenario)


def test_malformed_signed_bodies_never_cause_a_500(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        bad = [
            zalo.event("user_send_text", USER) | {"message": "not an object"},
            zalo.event("user_send_text", USER, {"text": 12345}),
            zalo.event("user_send_text", USER) | {"sender": {"id": "../../etc"}},
            zalo.event("user_send_text", USER) | {"sender": {"id": "9" * 500}},
            zalo.event("user_send_text", USER) | {"sender": None},
            zalo.event("user_send_image", USER, {"attachments": [{"type": "image"}]}),
            zalo.event("user_send_image", USER, {"attachments": "x"}),
            zalo.event("user_send_file", USER, {"attachments": [{"payload": {"size": "-1"}}]}),
            zalo.event("anonymous_send_text", USER, {"text": "ẩn danh"}),  # no conversation
        ]
        for event in bad:
            assert (await world.post(event)).status_code == 200
        for location in (("nan", "1"), ("1e999", "2"), ("abc", "3"), ("91", "0"), ("", "")):
            event = zalo.location_event(USER, *location)
            assert (await world.post(event)).status_code == 200
        body = b"not json"
        ts = zalo._timestamp()
        header = sign_with(zalo, body, ts, zalo.oa_secret_key)
        assert await post_raw(world, body, {"X-ZEvent-Signature": header}) == 401
        nested = b'{"timestamp": "1", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
        assert await post_raw(world, nested, {"X-ZEvent-Signature": "mac=0"}) == 401
        huge = json.dumps(zalo.text_event(USER, "x" * 100_000)).encode()
        assert await post_raw(world, huge, {"X-ZEvent-Signature": "mac=0"}) == 413

    zalo_world_factory(scenario)


def test_a_photo_from_outside_zalos_media_hosts_is_not_fetched(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("báo tin")
        await world.say("3")  # fraud
        await world.say("Kẻ gian gọi điện giả danh ngân hàng lấy mã OTP của nhiều người")
        await world.press("w:x")
        attachment = {"type": "image", "payload": {"url": "http://169.254.169.254/latest"}}
        event = zalo.event("user_send_image", USER, {"attachments": [attachment]})
        await world.post(event)
        await world.press("tip:done")
        await world.press("tip:anon:anonymous")
        await world.press("tip:send")
        assert "LN-" in world.all_text()  # the tip itself is accepted
        assert t("tip.photos_failed", failed=1, reason="x").split("(")[0] in world.all_text()
        assert not world.bot.zalo.api.media_allowed("http://169.254.169.254/latest")
        with world.db() as db:
            assert db.exec(select(Attachment)).all() == []

    zalo_world_factory(scenario)


def test_a_photo_over_the_size_limit_is_refused_politely(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("báo tin")
        await world.say("2")
        await world.say("Kẻ gian bẻ khóa lấy xe đạp ở trường học thôn Nam")
        await world.press("w:x")
        event = zalo.image_event(USER, jpeg_bytes())
        event["message"]["attachments"][0]["type"] = "file"
        event["event_name"] = "user_send_file"
        event["message"]["attachments"][0]["payload"]["size"] = str(50 * 1024 * 1024)
        await world.post(event)
        assert "quá lớn" in world.last_text()

    zalo_world_factory(scenario, max_photo_bytes=1024 * 1024)


@pytest.mark.parametrize(
    ("event_name", "kind"),
    [
        ("user_send_video", EventKind.FILE),
        ("user_send_audio", EventKind.FILE),
        ("user_send_file", EventKind.FILE),
        ("user_send_image", EventKind.PHOTO),
        ("user_send_link", EventKind.TEXT),
        ("user_send_sticker", EventKind.TEXT),
    ],
)
def test_each_citizen_event_maps_to_an_engine_event(zalo, event_name, kind):
    attachment = {"type": "x", "payload": {"url": zalo.media_url + "/img/a", "name": "a.mp4"}}
    payload = zalo.event(event_name, USER, {"text": "", "attachments": [attachment]})
    body, headers = zalo.signed(payload)
    verified = verify(
        body,
        headers["X-ZEvent-Signature"],
        app_id=zalo.app_id,
        oa_secret_key=zalo.oa_secret_key,
        now_ms=int(zalo.now.timestamp() * 1000),
        max_age_seconds=300,
    )
    event = to_event(verified)
    assert event.kind == kind and event.chat_id == USER and event.channel == "zalo"
    assert verified.key == "msg:" + payload["message"]["msg_id"]


def test_location_coordinates_arrive_as_strings_and_the_place_name_as_text(zalo):
    payload = zalo.location_event(USER, "10.7769", "106.7009", "Nhà thờ Đức Bà")
    body, headers = zalo.signed(payload)
    verified = verify(
        body,
        headers["X-ZEvent-Signature"],
        app_id=zalo.app_id,
        oa_secret_key=zalo.oa_secret_key,
        now_ms=int(zalo.now.timestamp() * 1000),
        max_age_seconds=300,
    )
    event = to_event(verified)
    assert (event.latitude, event.longitude, event.text) == (10.7769, 106.7009, "Nhà thờ Đức Bà")


def test_a_future_timestamp_is_as_stale_as_an_old_one(zalo):
    payload = zalo.text_event(USER, "x")
    body, headers = zalo.signed(payload)
    with pytest.raises(Rejected):
        verify(
            body,
            headers["X-ZEvent-Signature"],
            app_id=zalo.app_id,
            oa_secret_key=zalo.oa_secret_key,
            now_ms=int(zalo.now.timestamp() * 1000) - 3_600_000,
            max_age_seconds=300,
        )


def test_zalo_gets_its_200_at_once_even_when_handling_is_slow(zalo_world_factory, zalo):
    """Record first, process after: the answer to Zalo does not wait for the engine."""
    import asyncio
    import time

    async def scenario(world: ZaloWorld):
        engine = world.bot.zalo.engine
        original = engine.handle

        async def slow(event):
            await asyncio.sleep(3)
            return await original(event)

        engine.handle = slow
        body, headers = zalo.signed(zalo.text_event(USER, "xin chào"))
        started = time.monotonic()
        response = await world.http.post("/zalo/webhook", content=body, headers=headers)
        answered = time.monotonic() - started
        assert response.status_code == 200 and answered < 2.0
        assert zalo.sent() == []  # not handled yet
        await world.bot.zalo.wait_idle()
        assert zalo.texts(USER)  # handled afterwards
        print(f"webhook answered in {answered * 1000:.1f} ms with a 3 s engine")

    zalo_world_factory(scenario)
