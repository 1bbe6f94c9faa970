"""One chat's Telegram updates take turns in the update log, whichever process records them
(the log is what processes share; here two `UpdateLog`s on one database stand for two).

- An update recorded while an earlier one of its chat is still open is queued, not claimed;
  whoever finishes the earlier one gets the next one, already claimed.
- Other chats are not held up; a failed update (retried later) does not hold its chat up.
"""

from __future__ import annotations

from bot.channels.telegram_updates import CLAIMED, QUEUED, UpdateLog
from bot.storage import make_bot_engine


def message(update_id: int, chat: int, text: str = "xin chào") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def logs(tmp_path) -> tuple[UpdateLog, UpdateLog]:
    engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    return UpdateLog(engine), UpdateLog(engine)


def test_a_chats_second_update_waits_for_the_first_and_goes_to_whoever_finishes_it(tmp_path):
    here, there = logs(tmp_path)
    assert here.record_now(message(1, 77), claim=True) == CLAIMED
    assert there.record_now(message(2, 77), claim=True) == QUEUED  # reached the other process
    assert there.record_now(message(3, 88), claim=True) == CLAIMED  # another citizen: at once
    assert there.claim_now(2) is None  # the retry pass cannot jump the queue either
    following = here.finish_now(1, "77", done=True)
    assert following is not None and following.update_id == 2
    assert following.payload["message"]["text"] == "xin chào"
    assert here.status(1) == "done" and here.status(2) == "processing"
    assert here.finish_now(2, "77", done=True) is None


def test_a_redelivered_update_is_still_recorded_once(tmp_path):
    here, there = logs(tmp_path)
    assert here.record_now(message(1, 77), claim=True) == CLAIMED
    assert there.record_now(message(1, 77), claim=True) == ""


def test_a_failed_update_does_not_hold_its_chat_up(tmp_path):
    here, there = logs(tmp_path)
    here.record_now(message(1, 77), claim=True)
    assert there.record_now(message(2, 77), claim=True) == QUEUED
    here.failed_now(1, "feedback API down")  # retried later, from its record
    following = here.finish_now(1, "77", done=False)
    assert following is not None and following.update_id == 2
    assert here.status(1) == "failed"
