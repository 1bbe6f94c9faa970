"""End to end as a Zalo citizen: the whole server with Zalo switched on by its settings, signed
webhook events from the fake Zalo OA, and replies read back from what the fake OA delivered."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from feedback_api.officers.models import Officer
from feedback_api.officers.service import actor_for
from feedback_api.outbox.models import OutboxMessage
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Attachment, Submission
from feedback_api.subscriptions.models import Subscription
from handlers.texts import t
from tests.bot.zalo_world import USER, ZaloWorld, jpeg_bytes


async def choose(world: ZaloWorld, label: str, user: str = USER) -> None:
    """Pick a choice as a Zalo citizen can: tap the template button with that title, or, where
    the OA sent numbered choices instead, type the number."""
    if any(b["title"] == label for b in world.offered(user)):
        await world.press_label(label, user)
        return
    match = re.search(rf"^(\d+)\. {re.escape(label)}$", world.last_text(user), re.MULTILINE)
    assert match, f"{label!r} not offered in: {world.last_text(user)!r}"
    await world.say(match.group(1), user)


async def report_tip(world: ZaloWorld, user: str = USER) -> str:
    await world.say("báo tin", user)
    await choose(world, t("tip.category.fraud"), user)
    await world.say("Có người gọi giả danh công an bắt chuyển tiền vào tài khoản lạ", user)
    await world.press("w:x", user)  # where: not known → the province
    await world.press("tip:skip", user)
    await world.press("tip:anon:anonymous", user)
    await world.press("tip:send", user)
    [code] = re.findall(r"LN-[0-9A-Z]{4}-[0-9A-Z]{4}", world.last_text(user))
    return code


def officer_replies(world: ZaloWorld, text: str) -> None:
    with world.db() as db:
        tip = db.exec(select(Submission)).one()
        admin = db.exec(select(Officer)).first()
        submissions.reply(
            db_session=db,
            actor=actor_for(db_session=db, officer=admin),
            submission_id=tip.id,
            text=text,
        )


def test_a_follower_is_welcomed_and_gets_faq_answers(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        await world.post(world.zalo.event("follow", USER))
        assert t("welcome")[:20] in world.all_text()
        # The menu has more choices than Zalo's five template buttons: numbered text instead.
        assert "Tố giác / Báo tin" in world.all_text()
        await world.say("lam cccd lan dau can gi")
        assert any(x.startswith("Làm thẻ căn cước lần đầu") for x in world.zalo.texts(USER))
        await world.press_label(t("ask.more"))
        assert "Căn cứ pháp lý" in world.all_text()

    zalo_world_factory(scenario)


def test_a_tip_with_a_photo_and_a_location_on_zalo(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        await world.say("báo tin")
        assert "1. " in world.last_text()  # nine categories: numbered, as Zalo allows five buttons
        await choose(world, t("tip.category.drugs"))
        await world.say("Nhóm thanh niên mua bán ma túy ở quán nước đầu ngõ 7 mỗi tối")
        assert "xảy ra ở xã/phường nào" in world.all_text()
        await world.post(world.zalo.location_event(USER, "21.0285", "105.8542", "Chợ An Bình"))
        await world.press("w:yes")  # the commune whose boundary holds the point
        await world.press("w:rem:n")
        assert "ảnh hoặc tài liệu" in world.last_text()
        await world.post(world.zalo.image_event(USER, jpeg_bytes()))
        assert "Đã nhận ảnh 1/5" in world.last_text()
        await world.press("tip:done")
        await world.press("tip:anon:anonymous")
        assert "kiểm tra lại" in world.all_text()
        await world.press("tip:send")
        accepted = world.last_text()
        with world.db() as db:
            [tip] = db.exec(select(Submission)).all()
            assert tip.tracking_code in accepted
            assert (tip.latitude, tip.longitude) == (21.0285, 105.8542)
            assert tip.location_text == "Chợ An Bình"
            assert len(db.exec(select(Attachment)).all()) == 1
            assert USER not in tip.citizen_ref  # only the opaque reference is stored

    zalo_world_factory(scenario)


def test_an_opinion_on_zalo(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        await world.say("góp ý")
        await choose(world, t("opinion.topic.traffic"))
        await world.say("Đề nghị lắp gương cầu lồi ở khúc cua thôn Bắc")
        await world.press("w:x")
        await world.press("op:skip")
        await world.press("op:send")
        assert "Góp ý đã được tiếp nhận" in world.all_text()
        with world.db() as db:
            assert db.exec(select(Submission)).one().kind == "opinion"

    zalo_world_factory(scenario)


def test_tracking_a_tip_and_an_officer_reply_on_zalo(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        code = await report_tip(world)
        await world.say(code)
        assert code in world.last_text()
        officer_replies(world, "Công an xã đã xác minh, cảm ơn bạn.")
        await world.deliver_outbox()
        assert "Công an xã đã xác minh" in world.last_text()
        with world.db() as db:
            assert db.exec(select(OutboxMessage)).one().state == "sent"

    zalo_world_factory(scenario)


def test_subscribing_and_unsubscribing_on_zalo(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        await world.say("đăng ký nhận tin")
        await choose(world, "Công an xã An Bình")
        await choose(world, "▫️ " + t("sub.topic.security"))
        await choose(world, t("tip.done"))
        assert "Đã đăng ký" in world.all_text()
        with world.db() as db:
            assert db.exec(select(Subscription)).one().active
        await world.post(world.zalo.event("unfollow", USER))  # unfollowing ends delivery
        contact = world.bot.contacts.resolve(world.bot.contacts.citizen_ref("zalo", USER))
        assert contact.blocked
        await world.post(world.zalo.event("follow", USER))
        contact = world.bot.contacts.resolve(contact.citizen_ref)
        assert not contact.blocked

    zalo_world_factory(scenario)


def test_unfollowing_and_returning_flip_the_same_flag_as_telegram(zalo_world_factory):
    """Zalo marks a citizen unreachable and reachable again through the contact registry's
    own calls (block / seen, on bot.dbio's database threads), exactly as Telegram does."""

    async def scenario(world: ZaloWorld):
        calls = []
        contacts = world.bot.contacts
        block, seen = contacts.block, contacts.seen

        async def spy_block(channel, external_id):
            calls.append(("block", channel, external_id))
            await block(channel, external_id)

        async def spy_seen(channel, external_id):
            calls.append(("seen", channel, external_id))
            return await seen(channel, external_id)

        contacts.block, contacts.seen = spy_block, spy_seen
        await world.say("xin chào")
        await world.post(world.zalo.event("unfollow", USER))
        assert contacts.resolve(contacts.citizen_ref("zalo", USER)).blocked
        await world.post(world.zalo.event("follow", USER))
        assert not contacts.resolve(contacts.citizen_ref("zalo", USER)).blocked
        assert calls == [("seen", "zalo", USER), ("block", "zalo", USER), ("seen", "zalo", USER)]

    zalo_world_factory(scenario)


def test_bot_database_calls_leave_the_event_loop_one_way():
    """One I/O policy in bot/: database work goes through bot.dbio, never asyncio.to_thread
    (which the web chat keeps only for its own files on disk)."""
    import pathlib

    import bot

    root = pathlib.Path(bot.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "to_thread(" in line and path.name != "webchat.py"
    ]
    assert offenders == []


def test_a_reply_to_a_citizen_who_unfollowed_is_not_sent(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        await report_tip(world)
        await world.post(world.zalo.event("unfollow", USER))
        before = len(world.zalo.sent(USER))
        officer_replies(world, "Tin nhắn tới người đã bỏ theo dõi.")
        await world.deliver_outbox()
        assert len(world.zalo.sent(USER)) == before
        with world.db() as db:
            message = db.exec(select(OutboxMessage)).one()
            # Held, not failed: it reaches the citizen if they follow the OA again in time.
            assert message.state == "pending" and "blocked" in (message.last_error or "")

    zalo_world_factory(scenario)


def test_a_zalo_user_and_a_web_user_with_the_same_id_are_different_citizens(zalo_world_factory):
    async def scenario(world: ZaloWorld):
        contacts = world.bot.contacts
        assert contacts.citizen_ref("zalo", USER) != contacts.citizen_ref("web", USER)
        assert contacts.citizen_ref("zalo", USER) != contacts.citizen_ref("telegram", USER)
        await world.say("đăng ký nhận tin")
        await choose(world, "Công an xã An Bình")
        await choose(world, "▫️ " + t("sub.topic.security"))
        await choose(world, t("tip.done"))
        with world.db() as db:
            [subscription] = db.exec(select(Subscription)).all()
            assert subscription.citizen_ref == contacts.citizen_ref("zalo", USER)

    zalo_world_factory(scenario)


def test_a_citizen_outside_the_window_is_skipped_with_the_reason(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await report_tip(world)
        before = len(zalo.sent(USER))
        later = dt.timedelta(days=8)
        zalo.now += later
        world.bot.zalo.rules._now = lambda: dt.datetime.now(dt.UTC) + later
        officer_replies(world, "Phản hồi sau tám ngày.")
        await world.deliver_outbox()
        assert len(zalo.sent(USER)) == before  # never sent in breach of the window
        with world.db() as db:
            message = db.exec(select(OutboxMessage)).one()
            assert message.state == "failed"
            assert message.last_error.startswith("skipped: outside_window")

    zalo_world_factory(scenario)


def test_the_server_switches_zalo_on_from_its_settings_and_takes_the_first_tokens(tmp_path, zalo):
    """As `make run`: a live server (lifespan on) with the three credentials and the first
    tokens in its settings; a signed event over real HTTP gets its answer from the fake OA."""
    import time

    import httpx

    from feedback_api.bootstrap import prepare
    from feedback_api.db import make_engine
    from feedback_api.settings import Settings
    from langnghe.server import build_app
    from tests.bot.zalo_world import zalo_settings
    from tests.browser.conftest import LiveServer

    settings = Settings(environment="test", data_dir=tmp_path, _env_file=None)
    engine = make_engine(settings.resolved_database_url)
    prepare(engine)
    access, refresh = zalo.issue_tokens()
    bot_settings = zalo_settings(
        tmp_path, zalo, zalo_access_token=access, zalo_refresh_token=refresh
    )
    without = build_app(settings, zalo_settings(tmp_path, zalo, zalo_app_id=""))
    assert "/zalo/webhook" not in {getattr(route, "path", "") for route in without.routes}
    assert without.state.bot.zalo is None
    app = build_app(settings, bot_settings, poll_telegram=False, zalo_transport=zalo.transport())
    with LiveServer(app) as live:
        body, headers = zalo.signed(zalo.text_event(USER, "xin chào"))
        assert (
            httpx.post(live.url + "/zalo/webhook", content=body, headers=headers).status_code == 200
        )
        bad = httpx.post(
            live.url + "/zalo/webhook", content=body, headers={"X-ZEvent-Signature": "x"}
        )
        assert bad.status_code == 401
        deadline = time.monotonic() + 10
        while not zalo.texts(USER) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert zalo.texts(USER)
    engine.dispose()


def test_an_anonymous_visitor_is_answered_in_their_conversation(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        anonymous = "7700000000000000001"
        await world.post(zalo.anonymous_event(anonymous, "lam cccd lan dau can gi"))
        assert any(x.startswith("Làm thẻ căn cước") for x in zalo.anonymous_texts(anonymous))
        await world.post(zalo.anonymous_event(anonymous, "menu"))
        # answered only where Zalo takes anonymous answers, choices as numbered text, and
        # nothing refused on the way
        answers = [c for c in zalo.calls if "anonymous_id" in str(c.body)]
        assert answers and {c.path for c in answers} == {"/v2.0/oa/message"}
        assert not [c for c in zalo.calls if c.error]
        assert not [c for c in answers if "attachment" in c.body["message"]]
        assert any(re.search(r"^1\. ", x, re.M) for x in zalo.anonymous_texts(anonymous))
        contacts = world.bot.contacts
        # not the same citizen as a follower who happens to have the same id
        conversation = next(iter(zalo.conversations))
        anonymous_chat = f"anon:{anonymous}:{conversation}"
        assert contacts.citizen_ref("zalo", anonymous_chat) != contacts.citizen_ref(
            "zalo", anonymous
        )

    zalo_world_factory(scenario)
