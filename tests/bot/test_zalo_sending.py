"""Sending on Zalo within Zalo's rules: 2,000-character pieces, templates or numbered choices,
uploaded images, Zalo's refusals mapped to the sender's outcomes, and the window, quotas and
broadcast types enforced before anything goes out.

The campaign engine of the `broadcasts` branch is not on main yet: a broadcast here is the
outbox's `broadcast` purpose, and its report is the outbox's outcomes with their reasons."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.channels.base import DeliveryError
from bot.channels.zalo_render import render
from bot.channels.zalo_rules import ZaloRules, ZaloRulesConfig
from bot.storage import make_bot_engine, zalo_users
from feedback_api.outbox import service as outbox
from feedback_api.outbox.models import OutboxMessage
from handlers.events import Button, OutboundMessage, rows
from tests.bot.zalo_world import USER, ZaloWorld, jpeg_bytes

OTHER = "5598765432109876543"


def test_long_text_is_cut_into_pieces_of_at_most_2000_characters():
    paragraph = "Nội dung hướng dẫn thủ tục hành chính. " * 20
    text = "\n\n".join([paragraph] * 6)
    pieces = render(OutboundMessage(text))
    assert len(pieces) > 1 and all(0 < len(p["text"]) <= 2000 for p in pieces)
    assert "".join(p["text"] for p in pieces).replace(" ", "").replace("\n", "") == text.replace(
        " ", ""
    ).replace("\n", "")


def test_up_to_five_buttons_are_a_template_more_are_numbered():
    few = OutboundMessage("Chọn", rows(*(Button(f"Mục {i}", f"d:{i}") for i in range(5))))
    [piece] = render(few)
    buttons = piece["attachment"]["payload"]["buttons"]
    assert [b["payload"] for b in buttons] == [f"#d:{i}" for i in range(5)]
    assert {b["type"] for b in buttons} == {"oa.query.hide"}
    many = OutboundMessage("Chọn", rows(*(Button(f"Mục {i}", f"d:{i}") for i in range(6))))
    [numbered] = render(many)
    assert "attachment" not in numbered and "6. Mục 5" in numbered["text"]
    long_label = OutboundMessage("Chọn", rows(Button("x" * 101, "d:1")))
    assert "attachment" not in render(long_label)[0]


def test_a_title_is_a_plain_first_line():
    [piece] = render(OutboundMessage("Chi tiết", title="Làm căn cước"))
    assert piece["text"] == "Làm căn cước\n\nChi tiết"


def test_sends_through_the_channel_are_accepted_by_the_strict_fake(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        channel = world.bot.zalo
        await channel.send(USER, OutboundMessage("Dài " * 1500))
        await channel.send_image(USER, jpeg_bytes(), caption="Ảnh cảnh báo lừa đảo")
        media = zalo.sent(USER)[-1]["attachment"]["payload"]
        assert media["template_type"] == "media"
        assert media["elements"][0]["attachment_id"] in zalo.uploads
        assert not [c for c in zalo.calls if c.error]

    zalo_world_factory(scenario)


@pytest.mark.parametrize(
    ("code", "check"),
    [
        (-230, lambda e: e.skipped == "outside_window" and not e.blocked),
        (-232, lambda e: e.skipped == "outside_window"),
        (-213, lambda e: e.blocked),
        (-217, lambda e: e.blocked),
        (-227, lambda e: e.blocked),
        (-233, lambda e: e.skipped == "type_not_allowed" and not e.retry_after),
        (-244, lambda e: e.skipped == "type_not_allowed"),
        (-32, lambda e: e.retry_after and e.retry_after >= 30),
        (-201, lambda e: not (e.blocked or e.skipped or e.retry_after)),
    ],
)
def test_zalos_refusals_map_to_the_senders_outcomes(zalo_world_factory, zalo, code, check):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        zalo.fail_next("/v3.0/oa/message/cs", code)
        with pytest.raises(DeliveryError) as caught:
            await world.bot.zalo.send(USER, OutboundMessage("Thông báo"))
        assert check(caught.value)

    zalo_world_factory(scenario)


def test_a_button_template_zalo_refuses_is_sent_again_as_numbered_choices(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        zalo.fail_next("/v3.0/oa/message/cs", -233)
        choices = rows(Button("Báo tin", "m:tip"), Button("Hỏi đáp", "m:faq"))
        await world.bot.zalo.send(USER, OutboundMessage("Bạn cần gì?", choices))
        refused, numbered = [c for c in zalo.calls if c.path == "/v3.0/oa/message/cs"][-2:]
        assert refused.error == -233 and "attachment" in refused.body["message"]
        assert numbered.error == 0 and "attachment" not in numbered.body["message"]
        assert "1. Báo tin" in numbered.body["message"]["text"]

    zalo_world_factory(scenario)


def _enqueue(world: ZaloWorld, user: str, text: str, purpose: str) -> None:
    with world.db() as db:
        reference = world.bot.contacts.citizen_ref("zalo", user)
        outbox.enqueue(db_session=db, citizen_ref=reference, text=text, purpose=purpose)
        db.commit()


def _outcomes(world: ZaloWorld) -> dict[str, tuple[str, str | None]]:
    with world.db() as db:
        return {m.text: (m.state, m.last_error) for m in db.exec(select(OutboxMessage))}


def test_a_broadcast_skips_citizens_outside_the_window_and_reports_them(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào", USER)
        await world.say("xin chào", OTHER)
        eight_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        with world.bot.zalo.events._engine.begin() as connection:
            connection.execute(
                sa.update(zalo_users)
                .where(zalo_users.c.user_id == OTHER)
                .values(last_inbound_at=eight_days_ago)
            )
        zalo.user(OTHER).last_interaction = eight_days_ago
        before = len(zalo.sent(OTHER))
        for user in (USER, OTHER):
            _enqueue(world, user, f"Cảnh báo lừa đảo cho {user}", "broadcast")
        await world.deliver_outbox()
        outcomes = _outcomes(world)
        assert outcomes[f"Cảnh báo lừa đảo cho {USER}"] == ("sent", None)
        state, reason = outcomes[f"Cảnh báo lừa đảo cho {OTHER}"]
        assert state == "failed" and reason.startswith("skipped: outside_window")
        assert len(zalo.sent(OTHER)) == before  # nothing sent in breach of the rules
        assert f"Cảnh báo lừa đảo cho {USER}" in zalo.texts(USER)
        # the report: how many were skipped, and why
        with world.db() as db:
            skipped = db.exec(
                select(OutboxMessage).where(
                    OutboxMessage.purpose == "broadcast",
                    OutboxMessage.last_error.startswith("skipped: outside_window"),
                )
            ).all()
        assert len(skipped) == 1

    zalo_world_factory(scenario)


def test_zalos_own_window_refusal_is_recorded_not_retried(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        zalo.fail_next("/v3.0/oa/message/cs", -232)
        _enqueue(world, USER, "Thông báo tình hình an ninh", "broadcast")
        await world.deliver_outbox()
        state, reason = _outcomes(world)["Thông báo tình hình an ninh"]
        assert state == "failed" and reason.startswith("skipped: outside_window")

    zalo_world_factory(scenario)


def test_a_rate_limit_backs_off_and_the_message_is_kept(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        zalo.fail_next("/v3.0/oa/message/cs", -32, -32)
        _enqueue(world, USER, "Phản hồi của cán bộ", "reply")
        await world.deliver_outbox()
        with world.db() as db:
            message = db.exec(select(OutboxMessage)).one()
            assert message.state == "pending"
            not_before = message.not_before.replace(tzinfo=dt.UTC)
            assert not_before > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)

    zalo_world_factory(scenario)


def test_quotas_per_citizen_per_day(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        for number in range(3):
            _enqueue(world, USER, f"Phản hồi {number}", "reply")
        _enqueue(world, USER, "Tin tức tuần này", "broadcast")
        await world.deliver_outbox()
        outcomes = _outcomes(world)
        assert [outcomes[f"Phản hồi {n}"][0] for n in range(3)].count("sent") == 2
        waiting = [v for v in outcomes.values() if v[0] == "pending"]
        assert waiting and waiting[0][1].startswith("skipped: user_quota")  # tomorrow
        assert outcomes["Tin tức tuần này"][0] == "failed"  # a broadcast is not kept

    zalo_world_factory(scenario, zalo_user_daily_quota=2)


def test_rules_as_configuration(tmp_path):
    engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    moment = dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC)  # 23:00 in Vietnam
    rules = ZaloRules(
        engine,
        ZaloRulesConfig(window_days=7, user_daily_quota=0, daily_quota=2),
        now=lambda: moment,
    )
    rules._touched("1")
    assert rules._admit("1", "text", "reply") is None
    refused = rules._admit("1", "buttons", "broadcast")
    assert refused.reason == "type_not_allowed" and refused.retry_after is None
    assert rules._admit("1", "text", "broadcast") is None
    over = rules._admit("1", "text", "reply")
    assert over.reason == "daily_quota" and over.retry_after == 3600  # until local midnight
    assert rules._admit("2", "text", "reply").reason == "outside_window"  # never wrote
    moment += dt.timedelta(days=7, seconds=1)
    assert rules._admit("1", "text", "reply").reason == "outside_window"
    engine.dispose()


def test_settings_refuse_unknown_broadcast_types(tmp_path, zalo):
    from bot.channels.zalo_setup import rules_config
    from tests.bot.zalo_world import zalo_settings

    assert rules_config(zalo_settings(tmp_path, zalo)).broadcast_types == {"text"}
    both = zalo_settings(tmp_path, zalo, zalo_broadcast_types="text, image")
    assert rules_config(both).broadcast_types == {"text", "image"}
    with pytest.raises(ValueError, match="video"):
        rules_config(zalo_settings(tmp_path, zalo, zalo_broadcast_types="video"))
