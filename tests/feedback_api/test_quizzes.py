"""Legal quizzes: campaign staff create them; each citizen answers once inside the window and
gets the score with every correct answer, its legal basis and explanation; the leaderboard
names people only by the name they chose or a pseudonym, and exports to Excel."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlmodel import select

from feedback_api.permissions import Forbidden, NotFound
from feedback_api.quizzes import service as quizzes
from feedback_api.quizzes.models import Quiz
from feedback_api.quizzes.schemas import AttemptCreate, QuizCreate
from tests.feedback_api.conftest import actor, login

QUESTIONS = [
    {
        "text": "Người điều khiển xe máy có nồng độ cồn bị xử phạt thế nào?",
        "choices": ["Không bị phạt", "Bị phạt tiền và trừ điểm giấy phép lái xe"],
        "correct": 1,
        "legal_basis": "Nghị định 168/2024/NĐ-CP, Điều 7",
        "explanation": "Mọi nồng độ cồn khi lái xe đều bị xử phạt.",
    },
    {
        "text": "Số điện thoại khẩn cấp của Công an là?",
        "choices": ["113", "114", "115"],
        "correct": 0,
        "legal_basis": "Thông tư 06/2024 về số dịch vụ khẩn cấp",
        "explanation": "113: Công an; 114: cứu hỏa; 115: cấp cứu.",
    },
]


def make_quiz(db, world, *, who="campaign_a", closes_in=dt.timedelta(days=3)):
    now = dt.datetime.now(dt.UTC)
    return quizzes.create(
        db_session=db,
        actor=actor(db, world.officers[who]),
        data=QuizCreate(
            title="Tìm hiểu Luật Trật tự, an toàn giao thông đường bộ",
            unit_id=world.commune_a.id,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + closes_in,
            questions=QUESTIONS,
        ),
    )


def attempt(db, quiz, ref, answers, name=None, now=None):
    return quizzes.answer(
        db_session=db,
        code=quiz.code,
        data=AttemptCreate(citizen_ref=ref, display_name=name, answers=answers),
        now=now,
    )


def test_scoring_with_corrections_and_one_attempt_per_citizen(db, world):
    quiz = make_quiz(db, world)
    public = quizzes.to_public(db, quiz)
    assert "correct" not in public.model_dump_json()  # the bot never learns the answers early
    result = attempt(db, quiz, "citizen-001", [1, 2])
    assert (result.score, result.total) == (1, 2)
    second = result.corrections[1]
    assert second.chosen == 2 and second.correct_choice == "113"
    assert second.legal_basis.startswith("Thông tư 06/2024")
    assert "114: cứu hỏa" in second.explanation
    with pytest.raises(quizzes.AlreadyAnswered):
        attempt(db, quiz, "citizen-001", [1, 0])
    with pytest.raises(quizzes.QuizError):
        attempt(db, quiz, "citizen-002", [1])  # every question must be answered


def test_the_closing_time_is_enforced_when_the_answers_arrive(db, world):
    quiz = make_quiz(db, world, closes_in=dt.timedelta(minutes=5))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    with pytest.raises(quizzes.QuizClosed):
        attempt(db, quiz, "citizen-003", [1, 0], now=later)


def test_only_campaign_staff_create_and_only_inside_their_reach(db, world):
    with pytest.raises(Forbidden):
        make_quiz(db, world, who="officer_a")
    quiz = make_quiz(db, world)
    with pytest.raises(Forbidden):  # triage officers do not read quiz results
        quizzes.leaderboard(
            db_session=db, actor=actor(db, world.officers["officer_b"]), quiz_id=quiz.id
        )
    # A quiz of commune B, made by the province's admin: commune A's leader cannot see it.
    other = quizzes.create(
        db_session=db,
        actor=actor(db, world.officers["admin"]),
        data=QuizCreate(
            title="Thi ở phường Bình Minh",
            unit_id=world.commune_b.id,
            opens_at=quiz.opens_at,
            closes_at=quiz.closes_at,
            questions=QUESTIONS,
        ),
    )
    leader_a = actor(db, world.officers["leader_a"])
    with pytest.raises(NotFound):
        quizzes.leaderboard(db_session=db, actor=leader_a, quiz_id=other.id)
    assert [q.id for q in quizzes.list_in_reach(db_session=db, actor=leader_a)] == [quiz.id]


def test_leaderboard_and_export_show_chosen_names_or_pseudonyms(db, world):
    quiz = make_quiz(db, world)
    attempt(db, quiz, "citizen-slow", [0, 0], name="Cô giáo Lan")
    attempt(db, quiz, "citizen-best", [1, 0])
    attempt(db, quiz, "citizen-late", [1, 0], name="Anh Hùng")
    staff = actor(db, world.officers["campaign_a"])
    board = quizzes.leaderboard(db_session=db, actor=staff, quiz_id=quiz.id)
    assert [(r["rank"], r["score"]) for r in board] == [(1, 2), (2, 2), (3, 1)]
    assert board[0]["name"] == quizzes.pseudonym("citizen-best") != "citizen-best"
    assert [r["name"] for r in board[1:]] == ["Anh Hùng", "Cô giáo Lan"]
    book = openpyxl.load_workbook(
        io.BytesIO(quizzes.results_xlsx(db_session=db, actor=staff, quiz_id=quiz.id))
    )
    rows = list(book["Kết quả"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, board[0]["name"], 2),
        (2, "Anh Hùng", 2),
        (3, "Cô giáo Lan", 1),
    ]
    assert isinstance(rows[0][4], dt.datetime)


def test_the_bot_api_refuses_a_second_attempt_with_a_reason(client, db, world, bot_headers):
    quiz = make_quiz(db, world)
    body = {"citizen_ref": "citizen-api-1", "answers": [1, 0]}
    first = client.post(
        f"/api/v1/intake/quizzes/{quiz.code}/attempts", json=body, headers=bot_headers
    )
    assert first.status_code == 201 and first.json()["score"] == 2
    again = client.post(
        f"/api/v1/intake/quizzes/{quiz.code}/attempts", json=body, headers=bot_headers
    )
    assert again.status_code == 409 and again.json()["code"] == "already"
    assert client.get(f"/api/v1/intake/quizzes/{quiz.code}").status_code == 401


QUESTION_TEXT = """Số điện thoại khẩn cấp của Công an là?
*A. 113
B. 114
Căn cứ: Thông tư 06/2024
Giải thích: 113 là Công an.

Lái xe sau khi uống rượu bia có bị phạt không?
A. Không
*B. Có
Căn cứ: Nghị định 168/2024/NĐ-CP, Điều 7
"""


def test_staff_create_a_quiz_from_text_and_export_the_results(client, db, world):
    headers = login(client, "campaign.a")
    response = client.post(
        "/officer/quizzes",
        data={
            "csrf_token": headers["X-CSRF-Token"],
            "title": "Hội thi tìm hiểu pháp luật 2026",
            "unit_id": str(world.commune_a.id),
            "opens_at": "2026-01-01T00:00",
            "closes_at": "2099-12-31T23:00",
            "questions": QUESTION_TEXT,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    quiz_id = int(response.headers["location"].rsplit("/", 1)[1])
    quiz = db.get(Quiz, quiz_id)
    attempt(db, quiz, "citizen-page-1", [0, 1], name="Chị Mai")
    detail = client.get(f"/officer/quizzes/{quiz_id}")
    assert detail.status_code == 200 and "Chị Mai" in detail.text
    export = client.get(f"/officer/quizzes/{quiz_id}/results.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book["Kết quả"]["B2"].value == "Chị Mai" and book["Kết quả"]["C2"].value == 2
    bad = client.post(
        "/officer/quizzes",
        data={
            "csrf_token": headers["X-CSRF-Token"],
            "title": "Thiếu đáp án",
            "opens_at": "2026-01-01T00:00",
            "closes_at": "2099-12-31T23:00",
            "questions": "Câu hỏi?\nA. Một\nB. Hai\nCăn cứ: Luật",
        },
    )
    assert bad.status_code == 422 and "đáp án đúng" in bad.text


def test_a_triage_officer_neither_creates_a_quiz_nor_reads_results(client, world):
    headers = login(client, "officer.a")
    response = client.post(
        "/officer/quizzes",
        data={
            "csrf_token": headers["X-CSRF-Token"],
            "title": "Không được phép",
            "opens_at": "2026-01-01T00:00",
            "closes_at": "2099-12-31T23:00",
            "questions": QUESTION_TEXT,
        },
    )
    assert response.status_code == 403
    assert client.get("/officer/quizzes").status_code == 403
    assert "/officer/quizzes" not in client.get("/officer").text  # no menu link either


def test_staff_announce_a_quiz_through_an_ordinary_campaign_draft(engine, settings, db, world):
    """From the quiz page, campaign staff draft its announcement: a campaign to the quiz's
    unit with the links that open it in the bot. It waits for a second person's approval like
    any campaign; the author cannot approve it."""
    from fastapi.testclient import TestClient

    from feedback_api.broadcasts.models import Broadcast
    from feedback_api.main import create_app

    linked = settings.model_copy(
        update={"telegram_bot_username": "langnghe_test_bot", "webchat_url": "https://chat.vn"}
    )
    quiz = make_quiz(db, world)
    with TestClient(create_app(linked, engine=engine)) as client:
        csrf = login(client, "campaign.a")["X-CSRF-Token"]
        page = client.get(f"/officer/quizzes/{quiz.id}")
        assert 'id="announce"' in page.text
        sent = client.post(
            f"/officer/quizzes/{quiz.id}/announce",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        [draft] = db.exec(select(Broadcast)).all()
        assert sent.headers["location"] == f"/officer/broadcasts/{draft.id}"
        assert draft.status == "draft" and draft.author_id == world.officers["campaign_a"].id
        assert draft.audience_unit_ids == str(world.commune_a.id)
        assert quiz.title in draft.text and "một lần" in draft.text
        assert json.loads(draft.links) == [
            {
                "label": "Dự thi trên Telegram",
                "url": f"https://t.me/langnghe_test_bot?start=q_{quiz.code}",
            },
            {"label": "Dự thi trên web", "url": f"https://chat.vn/?start=q_{quiz.code}"},
        ]
        own = client.post(
            f"/officer/broadcasts/{draft.id}/approve", data={"csrf_token": csrf, "revision": "1"}
        )
        assert own.status_code == 403  # four eyes: not the author
        client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})

        leader = login(client, "leader.a")["X-CSRF-Token"]
        assert 'id="announce"' not in client.get(f"/officer/quizzes/{quiz.id}").text
        assert (
            client.post(
                f"/officer/quizzes/{quiz.id}/announce", data={"csrf_token": leader}
            ).status_code
            == 403
        )  # leaders approve campaigns; they do not compose them
        approved = client.post(
            f"/officer/broadcasts/{draft.id}/approve",
            data={"csrf_token": leader, "revision": "1"},
            follow_redirects=False,
        )
        assert approved.status_code == 303
        db.refresh(draft)
        assert draft.status == "approved"


def test_a_closed_quiz_or_a_bot_without_links_is_not_announced(db, world, settings):
    staff = actor(db, world.officers["campaign_a"])
    quiz = make_quiz(db, world)
    with pytest.raises(quizzes.QuizError, match="đường dẫn"):
        quizzes.announce(db_session=db, actor=staff, quiz_id=quiz.id, settings=settings)
    linked = settings.model_copy(update={"telegram_bot_username": "langnghe_test_bot"})
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    with pytest.raises(quizzes.QuizError, match="kết thúc"):
        quizzes.announce(db_session=db, actor=staff, quiz_id=quiz.id, settings=linked, now=later)
