"""Replies to citizens who write take send slots from the bot's shared rate (bot.ratelimit).

A burst of updates answered together must not each reserve its own batch: one round trip per
batch, the others wait for it, and still every reply is paced by a slot of its own.
"""

from __future__ import annotations

import asyncio

from bot.ratelimit import TURN_BATCH, SharedSlots


class Bucket:
    """The shared bucket as the API keeps it: evenly spaced slots, counted round trips."""

    def __init__(self, wall, rate: float = 1000.0, fail: bool = False):
        self.wall = wall
        self.spacing = 1 / rate
        self.next = 0.0
        self.round_trips = 0
        self.fail = fail

    async def reserve(self, _channel: str, count: int) -> list[float]:
        self.round_trips += 1
        await asyncio.sleep(0.005)  # a database write, during which more replies arrive
        if self.fail:
            raise ConnectionError("the API is down")
        start = max(self.next, self.wall())
        slots = [start + index * self.spacing for index in range(count)]
        self.next = slots[-1] + self.spacing
        return slots


class RecordingSlots(SharedSlots):
    """Notes every slot handed to a reply."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.taken: list[float] = []

    def _spare_slot(self, channel: str) -> float | None:
        moment = super()._spare_slot(channel)
        if moment is not None:
            self.taken.append(moment)
        return moment


async def _reply(rate: SharedSlots, sent: list[float], wall) -> None:
    async for _ in rate.turns("telegram", 1):
        sent.append(wall())


def test_forty_citizens_answered_at_once_share_a_round_trip_per_batch_of_slots():
    async def scenario():
        loop = asyncio.get_running_loop()
        wall = loop.time
        bucket = Bucket(wall)
        rate = RecordingSlots(bucket.reserve, wall=wall)
        sent: list[float] = []
        await asyncio.gather(*(_reply(rate, sent, wall) for _ in range(40)))
        return bucket, rate, sent

    bucket, rate, sent = asyncio.run(scenario())
    assert len(sent) == 40
    # one per batch (a few more if the machine is so busy that slots are woken late), not 40
    assert bucket.round_trips <= 2 * (40 // TURN_BATCH)
    # paced: every reply waited for a slot of its own (a slot woken late is replaced, never
    # shared)
    assert len(rate.taken) >= 40 and len(set(rate.taken)) == len(rate.taken)


def test_replies_still_go_out_unpaced_when_the_shared_bucket_is_unreachable():
    async def scenario():
        loop = asyncio.get_running_loop()
        bucket = Bucket(loop.time, fail=True)
        rate = SharedSlots(bucket.reserve, wall=loop.time)
        sent: list[float] = []
        await asyncio.wait_for(
            asyncio.gather(*(_reply(rate, sent, loop.time) for _ in range(10))), 5
        )
        return sent

    assert len(asyncio.run(scenario())) == 10  # a reply now beats a perfect rate
