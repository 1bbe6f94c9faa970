"""A forum and a quiz that share a window open and close at the same instants, whoever asks:
the officer's badge, the bot's "open" flag, the check when an opinion or an answer arrives,
and the list of open forums a citizen is offered (one rule: feedback_api/windows.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from feedback_api import windows
from feedback_api.forums import service as forums
from feedback_api.forums.schemas import ForumCreate
from feedback_api.quizzes import service as quizzes
from feedback_api.subscriptions import service as subscriptions
from feedback_api.subscriptions.schemas import SubscriptionSet
from tests.feedback_api.test_forums import new_forum
from tests.feedback_api.test_quizzes import attempt, make_quiz

SECOND = dt.timedelta(seconds=1)


def test_a_forum_and_a_quiz_with_one_window_agree_at_every_instant(db, settings, world):
    quiz = make_quiz(db, world)
    opens, closes = quiz.opens_at, quiz.closes_at
    forum = new_forum(db, world, opens_at=opens, closes_at=closes)
    subscriptions.subscribe(
        db_session=db,
        data=SubscriptionSet(citizen_ref="cref_window_1", unit_code="XA", topics=["security"]),
    )
    for at, expected in (
        (opens - SECOND, False),
        (opens, True),
        (closes - SECOND, True),
        (closes, False),
    ):
        assert forums.is_open(forum, at) is quizzes.is_open(quiz, at) is expected, at
        assert forums.to_public(db, forum, at).open is expected
        listed = forums.open_for_citizen(db_session=db, citizen_ref="cref_window_1", now=at)
        assert ([f.id for f in listed] == [forum.id]) is expected
    assert not windows.has_closed(quiz, closes - SECOND) and windows.has_closed(quiz, closes)

    # What arrives at the closing instant is refused by both, a second earlier accepted by both.
    forums.submit_opinion(
        db_session=db,
        settings=settings,
        code=forum.code,
        data=_opinion("cref_window_1"),
        now=closes - SECOND,
    )
    attempt(db, quiz, "cref_window_1", [1, 0], now=closes - SECOND)
    with pytest.raises(forums.ForumClosed):
        forums.submit_opinion(
            db_session=db,
            settings=settings,
            code=forum.code,
            data=_opinion("cref_window_2"),
            now=closes,
        )
    with pytest.raises(quizzes.QuizClosed):
        attempt(db, quiz, "cref_window_2", [1, 0], now=closes)


def _opinion(ref: str):
    from feedback_api.forums.schemas import ForumOpinionCreate

    return ForumOpinionCreate(
        citizen_ref=ref,
        channel="telegram",
        text="Cần thêm đèn đường ở thôn Đông",
        anonymity="anonymous",
    )


def test_a_window_that_closes_before_it_opens_is_refused_for_both(world):
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(ValueError, match="kết thúc sau khi bắt đầu"):
        ForumCreate(
            title="Diễn đàn",
            unit_id=world.commune_a.id,
            venue="Hội trường",
            starts_at=now,
            opens_at=now,
            closes_at=now,
        )
    from feedback_api.quizzes.schemas import QuizCreate

    with pytest.raises(ValueError, match="kết thúc sau khi bắt đầu"):
        QuizCreate(
            title="Thi",
            unit_id=1,
            opens_at=now,
            closes_at=now - SECOND,
            questions=[
                {
                    "text": "Số khẩn cấp?",
                    "choices": ["113", "114"],
                    "correct": 0,
                    "legal_basis": "Luật",
                }
            ],
        )
