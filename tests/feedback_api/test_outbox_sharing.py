"""The outbox and the send rate when several sender processes share them (both backends).

- One citizen's messages are with one sender at a time: while one is leased, or within a
  second of one being sent, that citizen's other messages wait for a later lease.
- Send slots come from the one bucket per platform: two senders asking at once get slots that
  never crowd more than the rate into a second, and campaigns queue behind them; a bot in the
  API's own process reserves without HTTP, from the same bucket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from feedback_api.broadcasts import ratebucket
from feedback_api.client import FeedbackApiError, FeedbackClient
from feedback_api.clock import utcnow
from feedback_api.inprocess import InProcessCalls
from feedback_api.outbox import service as outbox
from tests.feedback_api.conftest import SERVICE_TOKEN


def queue(db, ref: str, *texts: str) -> None:
    for text in texts:
        outbox.enqueue(db_session=db, citizen_ref=ref, text=text, purpose="reply")
    db.commit()


def test_a_citizens_messages_go_to_one_sender_at_a_time_and_a_second_apart(db):
    queue(db, "cit-a", "một", "hai")
    queue(db, "cit-b", "ba")
    now = utcnow()
    first = outbox.lease(db_session=db, limit=1, lease_seconds=60, now=now)
    assert [m.text for m in first] == ["một"]
    # Another sender, meanwhile: cit-a is busy with the first sender; cit-b is free.
    second = outbox.lease(db_session=db, limit=10, lease_seconds=60, now=now)
    assert [m.text for m in second] == ["ba"]
    outbox.ack(
        db_session=db, message_id=first[0].id, lease_token=first[0].lease_token,
        outcome="sent", now=now,
    )  # fmt: skip
    assert outbox.lease(db_session=db, limit=10, lease_seconds=60, now=now) == []
    later = now + dt.timedelta(seconds=1.1)
    assert [m.text for m in outbox.lease(db_session=db, limit=10, lease_seconds=60, now=later)] == [
        "hai"
    ]


def test_one_sender_may_lease_several_messages_of_a_citizen_and_space_them_itself(db):
    queue(db, "cit-a", "một", "hai", "ba")
    leased = outbox.lease(db_session=db, limit=10, lease_seconds=60)
    assert [m.text for m in leased] == ["một", "hai", "ba"]


def test_send_slots_for_two_senders_never_crowd_a_second_and_campaigns_wait(db, settings):
    settings = settings.model_copy(update={"broadcast_per_second": 10.0})
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    one = ratebucket.reserve(db_session=db, settings=settings, count=8, clock=clock)
    two = ratebucket.reserve(db_session=db, settings=settings, count=8, clock=clock)
    db.commit()
    slots = sorted(one + two)
    rate = ratebucket.rate_of(settings)
    assert all(b - a >= 1 / rate - 1e-9 for a, b in itertools.pairwise(slots))
    busiest = max(sum(1 for s in slots if start <= s < start + 1) for start in slots)
    assert busiest <= settings.broadcast_per_second  # the platform's limit
    # A campaign asks for slots within its short horizon: none until the replies have gone.
    taken, wait = ratebucket.take(db_session=db, settings=settings, wanted=5, clock=clock)
    assert taken == [] and wait > 1.0
    # The Zalo OA has a bucket (and a rate) of its own.
    zalo = ratebucket.reserve(db_session=db, settings=settings, count=1, name="zalo", clock=clock)
    assert zalo == [now[0]]


def test_a_429_seen_by_one_process_pauses_every_sender(db, settings):
    """Real time: the pause comes through the service, as the API serves it."""
    reserved = ratebucket.reserve(db_session=db, settings=settings, count=90)  # ~3 s ahead
    db.commit()
    outbox.pause_sending(db_session=db, settings=settings, channel="telegram", seconds=1.0)
    after = ratebucket.reserve(db_session=db, settings=settings, count=1)
    db.commit()
    assert after[0] > max(reserved)  # after everything reserved before, never among it
    outbox.pause_sending(db_session=db, settings=settings, channel="zalo", seconds=5.0)
    later = ratebucket.reserve(db_session=db, settings=settings, count=1, name="zalo")
    assert later[0] >= max(reserved) + 1.0  # Zalo's own bucket: paused its own 5 s


def test_slots_reserved_in_process_and_over_http_come_from_one_bucket(app, settings):
    """A bot in the API's process reserves without HTTP (InProcessCalls); another process
    reserves over HTTP: one queue of slots, never two rates, and the same input refused."""

    async def go():
        direct = FeedbackClient.in_process(app, SERVICE_TOKEN, direct=InProcessCalls.of(app))
        over_http = FeedbackClient.in_process(app, SERVICE_TOKEN)
        try:
            slots = []
            for client in (direct, over_http, direct, over_http):
                slots += await client.send_slots(channel="telegram", count=5)
            await direct.pause_sending(channel="telegram", seconds=1.0)
            after = await over_http.send_slots(channel="telegram", count=1)
            for client in (direct, over_http):
                with pytest.raises(FeedbackApiError) as refused:
                    await client.send_slots(channel="sms", count=1)
                assert refused.value.status == 422
            return slots, after
        finally:
            await direct.aclose()
            await over_http.aclose()

    slots, after = asyncio.run(go())
    rate = ratebucket.rate_of(settings)
    assert all(b - a >= 1 / rate - 1e-6 for a, b in itertools.pairwise(slots))  # one queue
    assert after[0] > max(slots)  # the pause made in process holds for the HTTP caller
