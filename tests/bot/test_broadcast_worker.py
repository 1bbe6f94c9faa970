"""The broadcast worker against the real API on SQLite, with a recording channel: every
subscriber gets one copy, opt-outs are honoured mid-campaign, blocked chats are unsubscribed,
transient errors are retried then given up, 429s are honoured, test sends reach a linked
officer, and a worker lost mid-send leaves its in-flight deliveries "unknown", never re-sent."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import time

import pytest
from sqlmodel import select

from bot.channels.base import DeliveryError
from bot.storage import make_bot_engine
from feedback_api.broadcasts import links, service
from feedback_api.db import make_engine
from feedback_api.subscriptions import service as subscriptions
from feedback_api.subscriptions.models import Subscription
from tests.bot.broadcast_fixtures import BroadcastWorld, RecordingBroadcast, make_settings


@pytest.fixture
def bw(tmp_path, bot_sqlite_template):
    path = tmp_path / "langnghe.db"
    shutil.copy(bot_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    bot_engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    world = BroadcastWorld(
        engine, bot_engine, make_settings(tmp_path, broadcast_retry_base_seconds=0.05)
    )
    yield world
    world.close()
    engine.dispose()
    bot_engine.dispose()


def test_every_subscriber_in_reach_gets_exactly_one_copy(bw):
    commune = bw.subscribe(30, unit="XA")
    elsewhere = bw.subscribe(5, unit="PB")
    campaign = bw.launch()
    channel = RecordingBroadcast()
    bw.run(channel, batch=7)
    assert sorted(channel.chats()) == sorted(commune)
    assert not set(channel.chats()) & set(elsewhere)
    report = bw.progress(campaign)
    assert (report.status, report.sent, report.pending) == ("done", 30, 0)


def test_a_citizen_who_unsubscribes_mid_campaign_gets_nothing_more(bw):
    chats = bw.subscribe(20)
    campaign = bw.launch()
    channel = RecordingBroadcast()
    bw.run(channel, rounds=1, until_idle=False, batch=5)
    assert len(channel.chats()) == 5
    leaving = [chat for chat in chats if chat not in channel.chats()][:3]
    for chat in leaving:  # "/stop" while the campaign runs
        subscriptions.end(db_session=bw.db, citizen_ref=bw.ref_of(chat), reason="stop")
    bw.run(channel, batch=5)
    assert not set(channel.chats()) & set(leaving)
    assert sorted(channel.chats()) == sorted(set(chats) - set(leaving))
    report = bw.progress(campaign)
    assert (report.sent, report.skipped, report.status) == (17, 3, "done")


def test_citizens_who_blocked_the_bot_are_unsubscribed(bw):
    chats = bw.subscribe(6)
    first = bw.launch()
    channel = RecordingBroadcast(blocked={chats[0]})
    bw.run(channel)
    assert bw.progress(first).blocked == 1
    bw.db.expire_all()
    gone = bw.db.exec(select(Subscription).where(Subscription.citizen_ref == bw.ref_of(chats[0])))
    assert gone.one().ended_reason == "blocked"
    second = bw.launch(title="Lần hai")
    bw.run(RecordingBroadcast())
    assert bw.reload(second).recipients == 5  # the blocked citizen is no longer an audience


class FlakyChannel(RecordingBroadcast):
    def __init__(self, failures: dict[str, list[DeliveryError]]):
        super().__init__()
        self.failures = failures
        self.attempts: list[tuple[str, float]] = []

    async def deliver(self, chat_id, content, *, test, image):
        self.attempts.append((chat_id, time.monotonic()))
        if self.failures.get(chat_id):
            raise self.failures[chat_id].pop(0)
        await super().deliver(chat_id, content, test=test, image=image)


def test_transient_errors_are_retried_with_backoff_then_given_up(bw):
    steady, shaky, broken = bw.subscribe(3)
    error = lambda: DeliveryError("Bad Gateway (502)")  # noqa: E731
    channel = FlakyChannel({shaky: [error()], broken: [error() for _ in range(10)]})
    campaign = bw.launch()
    for _ in range(40):  # retries wait for their backoff: keep claiming until the campaign ends
        bw.run(channel, rounds=1, until_idle=False)
        if bw.reload(campaign).status == "done":
            break
        time.sleep(0.05)
    assert sorted(channel.chats()) == sorted([steady, shaky])
    tries = [at for chat, at in channel.attempts if chat == broken]
    assert len(tries) == bw.settings.broadcast_max_attempts
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(tries))  # backed off
    report = bw.progress(campaign)
    assert (report.sent, report.failed) == (2, 1)


def test_a_429_holds_every_send_for_retry_after_and_the_message_goes_later(bw):
    chats = bw.subscribe(4)
    channel = FlakyChannel({chats[0]: [DeliveryError("rate limited", retry_after=0.5)]})
    campaign = bw.launch()
    for _ in range(40):  # one send at a time, so "after the 429" is well defined
        bw.run(channel, rounds=1, until_idle=False, max_in_flight=1)
        if bw.reload(campaign).status == "done":
            break
        time.sleep(0.05)
    assert sorted(channel.chats()) == sorted(chats)
    refused = next(at for chat, at in channel.attempts if chat == chats[0])
    later = [at for chat, at in channel.attempts if at > refused]
    assert later and min(later) - refused >= 0.45  # the bucket was paused for everyone


def test_send_a_test_to_a_linked_officer(bw):
    bw.subscribe(3)
    author = bw.actor("campaign.a")
    draft = bw.compose(text="Bản nháp cần xem trước")
    with pytest.raises(service.BroadcastError):  # not linked yet
        service.send_test(db_session=bw.db, actor=author, broadcast_id=draft.id)
    code = links.new_code(db_session=bw.db, actor=author)
    officer_chat = bw.contacts.citizen_ref("telegram", "777")  # the officer's own chat

    async def redeem(code_sent: str) -> bool:
        client = bw.client()
        try:
            return await client.link_officer_chat(officer_chat, code_sent)
        finally:
            await client.aclose()

    assert asyncio.run(redeem("000000" if code != "000000" else "111111")) is False
    assert asyncio.run(redeem(code)) is True
    assert asyncio.run(redeem(code)) is False  # used once
    service.send_test(db_session=bw.db, actor=author, broadcast_id=draft.id)
    channel = RecordingBroadcast()
    bw.run(channel)
    assert channel.delivered == [("777", draft.id, True)]  # only the officer, and only a test
    assert bw.reload(draft).status == "draft"
    assert bw.progress(draft).total == 0  # tests are not part of the campaign's report


def test_a_worker_lost_mid_send_leaves_its_in_flight_deliveries_unknown_and_never_resent(bw):
    chats = bw.subscribe(30)
    campaign = bw.launch()

    async def crash_after_starting() -> list[int]:
        client = bw.client()
        try:
            claim = await client.broadcast_claim(limit=20, lease_seconds=2)
            wanted = [d.id for d in claim.deliveries]
            step = await client.broadcast_step(
                lease_token=claim.lease_token, outcomes=[], start=wanted, lease_seconds=2
            )
            return step.started  # ...and the worker dies before any outcome is reported
        finally:
            await client.aclose()

    in_flight = asyncio.run(crash_after_starting())
    assert len(in_flight) == bw.settings.broadcast_max_in_flight == 10  # the window, bounded
    time.sleep(2.1)  # the lease expires
    channel = RecordingBroadcast()
    bw.run(channel)
    states = bw.states(campaign)
    unknown = {ref for ref, state in states.items() if state == "unknown"}
    assert len(unknown) == 10
    assert not {bw.ref_of(chat) for chat in channel.chats()} & unknown  # never re-sent
    assert len(channel.chats()) == len(set(channel.chats())) == 20
    report = bw.progress(campaign)
    assert (report.sent, report.unknown, report.status) == (20, 10, "done")
    assert {bw.ref_of(chat) for chat in chats} == set(states)
