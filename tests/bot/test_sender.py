"""The sender delivers the outbox to citizens' chats within Telegram's limits, and every message
ends acked: sent, retried later, blocked or failed. Time is fake: nothing here really waits."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging

import httpx

from bot.channels.base import DeliveryError
from feedback_api.outbox import service as outbox
from handlers.texts import t
from tests.bot.conftest import SERVICE_TOKEN, RecordingClient


def _lease_at(world, seconds_from_now: float) -> list[int]:
    """What the outbox would hand out `seconds_from_now` (it uses real UTC time)."""
    later = outbox.utcnow() + dt.timedelta(seconds=seconds_from_now)
    leased = outbox.lease(db_session=world.db, limit=100, lease_seconds=60, now=later)
    return [message.id for message in leased]


def test_an_officer_reply_reaches_the_citizens_chat_and_is_acked_sent(bot_world):
    citizen = bot_world.citizen("chat-1")
    tip = bot_world.tip(citizen)
    message = bot_world.reply(tip, "Công an xã đã nhận tin, cảm ơn bạn.")

    client = bot_world.deliver()

    [attempt] = bot_world.channel.attempts
    assert attempt.chat_id == "chat-1" and attempt.ok
    # The outbox said what to tell (a catalogue key and its values); the sender wrote the words.
    assert (message.intent, message.text) == ("notice.reply.tip", "")
    expected = t(
        "notice.reply.tip", code=tip.tracking_code, text="Công an xã đã nhận tin, cảm ơn bạn."
    )
    assert attempt.text == expected
    assert client.acks == [(message.id, "sent", None)]
    stored = bot_world.state(message)
    assert stored.state == "sent" and stored.sent_at is not None


def test_an_intent_this_bot_cannot_render_waits_in_the_outbox(bot_world):
    """A newer server may queue an intent an older bot does not know: it is kept for a bot that
    does, never sent as something else."""
    message = outbox.enqueue(
        db_session=bot_world.db,
        citizen_ref=bot_world.citizen("chat-1"),
        intent="notice.from_the_future",
        params={"code": "LN-AAAA-BBBB"},
        purpose="status",
    )
    bot_world.db.commit()

    client = bot_world.deliver()

    assert bot_world.channel.attempts == []
    [(message_id, outcome, _)] = client.acks
    assert (message_id, outcome) == (message.id, "retry")


def test_a_short_429_is_honoured_and_the_message_resent_within_the_lease(bot_world):
    citizen = bot_world.citizen("chat-1")
    message = bot_world.reply(bot_world.tip(citizen), "Đã tiếp nhận.")
    bot_world.channel.fail("chat-1", DeliveryError("Too Many Requests", retry_after=2))

    client = bot_world.deliver()

    first, second = bot_world.channel.attempts
    assert not first.ok and second.ok
    assert second.at - first.at >= 2
    assert client.acks == [(message.id, "sent", None)]
    assert bot_world.state(message).attempts == 1  # resent inline, not re-leased


def test_a_second_429_sends_the_message_back_to_the_outbox_for_retry_after(bot_world):
    message = bot_world.enqueue(bot_world.citizen("chat-1"), "một")
    bot_world.channel.fail(
        "chat-1", DeliveryError("429", retry_after=1), DeliveryError("429", retry_after=3)
    )

    client = bot_world.deliver()

    assert client.acks == [(message.id, "retry", 3)]
    assert len(bot_world.channel.attempts) == 2  # one inline resend, no more
    assert _lease_at(bot_world, 2) == []
    assert _lease_at(bot_world, 4) == [message.id]


def test_a_429_too_long_to_wait_pauses_the_bot_and_returns_the_batch_to_the_outbox(bot_world):
    limited = bot_world.enqueue(bot_world.citizen("chat-1"), "một")
    other = bot_world.enqueue(bot_world.citizen("chat-2"), "hai")
    bot_world.channel.fail("chat-1", DeliveryError("429", retry_after=600))

    client = bot_world.deliver(max_inline_wait=20)

    outcomes = {message_id: (outcome, after) for message_id, outcome, after in client.acks}
    assert outcomes[limited.id] == ("retry", 600)
    # Telegram does not say whether a 429 is per chat or per bot: the other chat waits too.
    assert outcomes[other.id][0] == "retry" and outcomes[other.id][1] >= 599
    assert [attempt.chat_id for attempt in bot_world.channel.attempts] == ["chat-1"]
    assert bot_world.time.now - 1000 < 1  # nobody sat waiting for ten minutes
    assert _lease_at(bot_world, 590) == []
    assert sorted(_lease_at(bot_world, 601)) == [limited.id, other.id]


def test_a_citizen_who_blocked_the_bot_is_not_written_to_again_and_replies_are_held(bot_world):
    citizen = bot_world.citizen("chat-1")
    tip = bot_world.tip(citizen)
    first = bot_world.reply(tip, "Phản hồi thứ nhất")
    bot_world.channel.fail("chat-1", DeliveryError("Forbidden: bot was blocked", blocked=True))

    client = bot_world.deliver()

    assert client.acks == [(first.id, "blocked", 900.0)]
    assert bot_world.contacts.resolve(citizen).blocked
    # a reply is held for when they unblock, not dropped (broadcasts are: see below)
    assert bot_world.state(first).state == "pending"

    later = bot_world.reply(tip, "Phản hồi thứ hai")
    client = bot_world.deliver()

    assert client.acks == [(later.id, "blocked", 900.0)]
    assert len(bot_world.channel.attempts) == 1  # only the attempt that met the 403


def test_a_block_stops_the_rest_of_that_chats_batch(bot_world):
    citizen = bot_world.citizen("chat-1")
    messages = [bot_world.enqueue(citizen, f"tin {n}") for n in range(3)]
    bot_world.channel.fail("chat-1", DeliveryError("Forbidden", blocked=True))

    client = bot_world.deliver()

    assert sorted(client.acks) == [(m.id, "blocked", None) for m in messages]
    assert len(bot_world.channel.attempts) == 1


def test_one_chat_gets_a_message_a_second_while_other_chats_do_not_wait(bot_world):
    busy, other, third = (bot_world.citizen(f"chat-{n}") for n in "ABC")
    for n in range(3):
        bot_world.enqueue(busy, f"A{n}")
    bot_world.enqueue(other, "B")
    bot_world.enqueue(third, "C")
    start = bot_world.time.now

    client = bot_world.deliver()

    assert [outcome for _, outcome, _ in client.acks] == ["sent"] * 5
    to_busy = [a.at for a in bot_world.channel.delivered("chat-A")]
    assert [a.text for a in bot_world.channel.delivered("chat-A")] == ["A0", "A1", "A2"]
    assert all(later - earlier >= 1 for earlier, later in itertools.pairwise(to_busy))
    for chat in ("chat-B", "chat-C"):
        [attempt] = bot_world.channel.delivered(chat)
        assert attempt.at - start < 0.2  # not held behind chat A's spacing
    assert bot_world.time.now - start < 2.5


def test_three_chats_are_served_together(bot_world):
    for chat in ("chat-1", "chat-2", "chat-3"):
        bot_world.enqueue(bot_world.citizen(chat), "Thông báo")
    start = bot_world.time.now

    bot_world.deliver()

    times = [attempt.at - start for attempt in bot_world.channel.delivered()]
    assert len(times) == 3 and max(times) < 0.2


def test_the_global_bucket_paces_a_broadcast_at_25_a_second(bot_world):
    for n in range(60):
        bot_world.enqueue(bot_world.citizen(f"chat-{n}"), "Cảnh báo lừa đảo qua điện thoại")
    start = bot_world.time.now

    client = bot_world.deliver(batch=60, global_per_second=25)

    times = [attempt.at for attempt in bot_world.channel.delivered()]
    assert len(times) == 60 and len(client.acks) == 60
    assert 59 / 25 - 0.01 <= times[-1] - start < 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1 / 25 - 1e-9


def test_the_bucket_holds_across_batches(bot_world):
    for n in range(10):
        bot_world.enqueue(bot_world.citizen(f"chat-{n}"), "tin")
    start = bot_world.time.now

    bot_world.deliver(rounds=2, batch=5, global_per_second=5)

    times = [attempt.at - start for attempt in bot_world.channel.delivered()]
    assert len(times) == 10 and times[-1] >= 9 / 5 - 0.01


def test_transient_errors_are_acked_retry_and_come_back_after_the_backoff(bot_world):
    flaky = bot_world.enqueue(bot_world.citizen("chat-1"), "một")
    buggy = bot_world.enqueue(bot_world.citizen("chat-2"), "hai")
    fine = bot_world.enqueue(bot_world.citizen("chat-3"), "ba")
    bot_world.channel.fail("chat-1", DeliveryError("connection reset"))
    bot_world.channel.fail("chat-2", RuntimeError("adapter bug"))

    client = bot_world.deliver()

    outcomes = {message_id: outcome for message_id, outcome, _ in client.acks}
    assert outcomes == {flaky.id: "retry", buggy.id: "retry", fine.id: "sent"}
    assert bot_world.state(flaky).state == "pending"
    assert "connection reset" in bot_world.state(flaky).last_error
    assert _lease_at(bot_world, 0) == []  # backing off: 2**attempts seconds
    assert _lease_at(bot_world, 3) == [flaky.id, buggy.id]


def test_an_unknown_citizen_reference_is_acked_failed(bot_world):
    message = bot_world.enqueue("c_nobody_knows_this_one", "xin chào")

    client = bot_world.deliver()

    assert client.acks == [(message.id, "failed", None)]
    assert bot_world.state(message).state == "failed"
    assert bot_world.channel.attempts == []


def test_run_forever_survives_an_unreachable_api_and_stops_when_asked(bot_world, caplog):
    message = bot_world.enqueue(bot_world.citizen("chat-1"), "xin chào")

    class FlakyClient(RecordingClient):
        failures = 1

        async def lease_outbox(self, **kwargs):
            if self.failures:
                self.failures -= 1
                raise httpx.ConnectError("connection refused")
            return await super().lease_outbox(**kwargs)

    async def go():
        client = FlakyClient.in_process(bot_world.app, SERVICE_TOKEN)
        stop = asyncio.Event()
        sender = bot_world.sender(client)
        original = bot_world.channel.send

        async def send_then_stop(chat_id, outbound):
            await original(chat_id, outbound)
            stop.set()

        bot_world.channel.send = send_then_stop
        try:
            await asyncio.wait_for(sender.run_forever(stop, idle_seconds=0.01), timeout=10)
        finally:
            await client.aclose()
        return client

    with caplog.at_level(logging.WARNING, logger="bot.sender"):
        client = asyncio.run(go())

    assert client.acks == [(message.id, "sent", None)]
    assert any("outbox unreachable" in record.message for record in caplog.records)
