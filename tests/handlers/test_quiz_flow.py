"""A citizen takes a legal quiz in the chat: one question at a time, then the score and every
correct answer with its legal basis and explanation; a second attempt is refused."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from feedback_api.quizzes.models import Quiz, QuizAttempt, QuizQuestion
from feedback_api.units.service import get_by_code
from handlers.texts import t


def make_quiz(world, *, closes_in=dt.timedelta(days=1)) -> Quiz:
    now = dt.datetime.now(dt.UTC)
    with world.db() as db:
        quiz = Quiz(
            code="quizabcd",
            title="Tìm hiểu pháp luật về phòng chống lừa đảo",
            unit_id=get_by_code(db_session=db, code="XA").id,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + closes_in,
        )
        db.add(quiz)
        db.flush()
        db.add(
            QuizQuestion(
                quiz_id=quiz.id,
                position=0,
                text="Công an có gọi điện yêu cầu chuyển tiền để điều tra không?",
                choices=json.dumps(["Có", "Không bao giờ"], ensure_ascii=False),
                correct=1,
                legal_basis="Bộ luật Tố tụng hình sự 2015, Điều 36",
                explanation="Cơ quan điều tra làm việc trực tiếp, không qua điện thoại.",
            )
        )
        db.add(
            QuizQuestion(
                quiz_id=quiz.id,
                position=1,
                text="Gặp kẻ lừa đảo, bạn báo cho ai?",
                choices=json.dumps(["Công an nơi gần nhất", "Không ai"], ensure_ascii=False),
                correct=0,
                legal_basis="Bộ luật Tố tụng hình sự 2015, Điều 144",
                explanation="Mọi người có quyền và nghĩa vụ tố giác tội phạm.",
            )
        )
        db.commit()
        return quiz


def test_a_citizen_answers_gets_the_score_and_the_explanations_once(world):
    quiz = make_quiz(world)
    citizen = world.citizen()
    citizen.starts(f"q_{quiz.code}")
    assert "2 câu hỏi" in citizen.last_text
    citizen.presses(t("quiz.go"))
    assert "Câu 1/2" in citizen.last_text and citizen.buttons()[:2] == ["A", "B"]
    citizen.presses("A")  # wrong
    assert "Câu 2/2" in citizen.last_text
    citizen.presses("A")  # right
    assert t("quiz.name") in citizen.last_text
    citizen.says("Bác Tư")
    assert t("quiz.score", score=1, total=2) in citizen.last_text
    assert "Đáp án: B. Không bao giờ" in citizen.last_text
    assert "Điều 36" in citizen.last_text and "không qua điện thoại" in citizen.last_text
    with world.db() as db:
        [row] = db.exec(select(QuizAttempt)).all()
        assert (row.display_name, row.score) == ("Bác Tư", 1)
    citizen.starts(f"q_{quiz.code}")
    citizen.presses(t("quiz.go"))
    citizen.presses("B")
    citizen.presses("A")
    citizen.presses(t("quiz.anonymous"))
    assert t("quiz.already") in citizen.last_text


def test_an_old_button_cannot_answer_a_later_question(world):
    quiz = make_quiz(world)
    citizen = world.citizen()
    citizen.starts(f"q_{quiz.code}")
    citizen.presses(t("quiz.go"))
    citizen.presses("B")
    citizen.presses_data("qz:a:0:0")  # the first question's button, pressed again
    assert t("expired_button") in citizen.last_text and "Câu 2/2" in citizen.last_text


def test_a_closed_quiz_is_refused(world):
    quiz = make_quiz(world, closes_in=-dt.timedelta(minutes=1))
    citizen = world.citizen()
    citizen.starts(f"q_{quiz.code}")
    assert t("quiz.closed") in citizen.last_text
