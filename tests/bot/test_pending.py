"""Nothing a citizen confirmed is lost to an outage of the feedback API: the bot keeps the
submission durably, retries it with backoff under its idempotency key (across restarts, long
after the chat's idle expiry), and tells the citizen the tracking code once it is accepted."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from sqlmodel import select

from bot.pending import PendingSubmissions
from bot.state import SqlStateStore
from faq.assistant import Faq
from feedback_api.submissions.models import Submission
from handlers.engine import Engine
from handlers.events import EventKind, InboundEvent
from handlers.flows.common import Deps
from handlers.texts import t

CHAT = "chat-9"


class FlakyApi:
    """The real API client behind a switch: down (unreachable), or up."""

    def __init__(self, client, *, down: bool = True, lose_response: bool = False):
        self._client, self.down, self.lose_response = client, down, lose_response

    def __getattr__(self, name):
        return getattr(self._client, name)

    async def create_submission(self, data):
        if self.down:
            raise httpx.ConnectError("feedback API unreachable")
        receipt = await self._client.create_submission(data)
        if self.lose_response:  # accepted, but the answer never arrived
            raise httpx.ReadTimeout("response lost")
        return receipt


class Clock:
    def __init__(self):
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _queue(bot_world, api, clock) -> PendingSubmissions:
    return PendingSubmissions(
        bot_world.contacts._engine,
        api=api,
        contacts=bot_world.contacts,
        channels={"test": bot_world.channel},
        files={},
        clock=clock,
    )


def _deps(bot_world, api, queue) -> Deps:
    """The engine's dependencies with the given API client and the durable queue."""
    return Deps(
        faq=Faq.from_directory(),
        api=api,
        citizen_refs=bot_world.contacts.citizen_ref,
        files={},
        queue=queue,
    )


async def _confirm_a_tip(engine: Engine) -> list:
    replies = []
    for kind, fields in [
        (EventKind.START, {"data": "tip"}),
        (EventKind.BUTTON, {"data": "tip:cat:fraud"}),
        (EventKind.TEXT, {"text": "Có người gọi giả danh công an bắt chuyển tiền vào tài khoản"}),
        (EventKind.TEXT, {"text": t("where.unknown")}),
        (EventKind.BUTTON, {"data": "tip:skip"}),
        (EventKind.BUTTON, {"data": "tip:anon:anonymous"}),
        (EventKind.BUTTON, {"data": "tip:send"}),
    ]:
        replies = await engine.handle(InboundEvent("test", CHAT, kind, **fields))
    return replies


def test_api_down_longer_than_the_idle_expiry_the_tip_is_accepted_later_and_the_code_sent(
    bot_world,
):
    clock = Clock()

    async def story():
        client = bot_world.client()
        try:
            api = FlakyApi(client, down=True)
            queue = _queue(bot_world, api, clock)
            store = SqlStateStore(bot_world.contacts._engine)
            deps = _deps(bot_world, api, queue)
            replies = await _confirm_a_tip(Engine(deps, store))
            assert [r.text for r in replies] == [t("submission.kept")]
            state, _ = await store.load("test", CHAT)
            assert state.flow is None  # out of the conversation: nothing left to expire

            await queue.run_once()  # still down: kept, retried later with backoff
            assert queue.count() == 1
            assert await queue.run_once() == 0  # not due again yet
            clock.now += dt.timedelta(minutes=deps.limits.idle_expiry_minutes + 60)

            api.down, api.lose_response = False, True  # accepted, but the answer is lost
            assert await queue.run_once() == 0
            clock.now += dt.timedelta(hours=1)

            # A restart: a new queue on the same database, the API healthy again.
            restarted = _queue(bot_world, FlakyApi(client, down=False), clock)
            assert await restarted.run_once() == 1
            assert restarted.count() == 0  # no tracking code kept beside the citizen
        finally:
            await client.aclose()

    asyncio.run(story())
    [tip] = bot_world.db.exec(select(Submission)).all()  # once, despite the lost answer
    assert tip.category == "fraud" and tip.idempotency_key.startswith("tip-")
    [told] = bot_world.channel.delivered(CHAT)
    assert tip.tracking_code in told.text


def test_a_receipt_sent_on_a_later_pass_still_says_when_to_expect_an_answer(bot_world):
    """The API accepted the kept tip, but the citizen could not be told at once (the channel
    failed): the receipt sent on the next pass carries the tip's deadline all the same."""
    from bot.channels.base import DeliveryError

    clock = Clock()

    async def story():
        client = bot_world.client()
        try:
            api = FlakyApi(client, down=True)
            queue = _queue(bot_world, api, clock)
            deps = _deps(bot_world, api, queue)
            await _confirm_a_tip(Engine(deps, SqlStateStore(bot_world.contacts._engine)))
            api.down = False
            bot_world.channel.fail(CHAT, DeliveryError("network down"))
            assert await queue.run_once() == 0  # accepted; telling the citizen failed
            clock.now += dt.timedelta(hours=1)
            assert await queue.run_once() == 1
        finally:
            await client.aclose()

    asyncio.run(story())
    [tip] = bot_world.db.exec(select(Submission)).all()
    [told] = bot_world.channel.delivered(CHAT)
    due = tip.due_at.replace(tzinfo=tip.due_at.tzinfo or dt.UTC)
    vietnam = dt.timezone(dt.timedelta(hours=7))
    assert tip.tracking_code in told.text
    assert t("receipt.due", date=f"{due.astimezone(vietnam):%d/%m/%Y}") in told.text


def test_a_refused_submission_is_not_retried_forever(bot_world):
    clock = Clock()

    class Refusing:
        async def create_submission(self, data):
            from feedback_api.client import FeedbackApiError

            raise FeedbackApiError(422, "invalid")

    async def story():
        queue = _queue(bot_world, Refusing(), clock)
        from feedback_api.submissions.schemas import SubmissionCreate

        await queue.keep(
            channel="test",
            data=SubmissionCreate(
                kind="tip",
                citizen_ref=bot_world.citizen(CHAT),
                text="Nội dung tin báo thử nghiệm",
                idempotency_key="tip-refused-0001",
            ),
            files=[],
        )
        await queue.run_once()
        clock.now += dt.timedelta(days=30)
        await queue.run_once()
        return queue.count()

    assert asyncio.run(story()) == 1  # kept with its reason for an operator, not retried
