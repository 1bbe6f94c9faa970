"""The Zalo event log: recorded once per key, claimed by one process at a time, its payload
erased when done, a stored answer retried past the attempts for a day, done records pruned."""

from __future__ import annotations

import sqlalchemy as sa

from bot.channels.zalo_log import MAX_ATTEMPTS, ZaloEventLog
from bot.storage import make_bot_engine, zalo_events


def test_the_life_of_an_event(tmp_path):
    engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    log = ZaloEventLog(engine, retention_days=0)
    assert log.record("msg:a", "1", {"event_name": "user_send_text"})
    assert not log.record("msg:a", "1", {"event_name": "user_send_text"})  # a resend
    record = log.claim("msg:a")
    assert record is not None and record.payload["event_name"] == "user_send_text"
    assert log.claim("msg:a") is None  # claimed: another process cannot take it
    log.handled("msg:a", [{"text": "xin chào"}])
    log.failed("msg:a", "Zalo unreachable")
    for _ in range(MAX_ATTEMPTS + 2):  # the answer is stored: delivery is retried past attempts
        assert log.claim("msg:a") is not None
        log.failed("msg:a", "Zalo unreachable")
    assert log.status("msg:a") == "handled"
    log.claim("msg:a")
    log.done("msg:a", sent=1)
    with engine.begin() as connection:
        payload = connection.execute(sa.select(zalo_events.c.payload)).scalar_one()
    assert payload == {}
    assert log.prune() == 1 and log.count() == 0
    engine.dispose()


def test_an_event_the_engine_keeps_failing_on_stops_after_its_attempts(tmp_path):
    engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    log = ZaloEventLog(engine)
    log.record("msg:b", "1", {})
    for _ in range(MAX_ATTEMPTS):
        assert log.claim("msg:b") is not None
        log.failed("msg:b", "engine error")
    assert log.claim("msg:b") is None and log.retryable() == []
    engine.dispose()


def test_one_citizens_events_take_turns_whichever_process_received_them(tmp_path):
    engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    here, there = ZaloEventLog(engine), ZaloEventLog(engine)  # two processes, one database
    here.record("msg:1", "7", {"n": 1})
    there.record("msg:2", "7", {"n": 2})  # the citizen's next message reached the other one
    there.record("msg:3", "8", {"n": 3})  # another citizen
    assert there.claim("msg:2") is None  # its turn has not come: msg:1 is still waiting
    assert there.claim("msg:3") is not None  # another citizen is not held up
    assert here.claim("msg:1") is not None
    assert there.claim("msg:2") is None  # msg:1 is being handled
    here.done("msg:1", sent=1)
    following = here.claim_next("7")  # whoever finishes msg:1 takes the next one
    assert following is not None and following.payload == {"n": 2}
    assert here.claim_next("7") is None
    engine.dispose()
