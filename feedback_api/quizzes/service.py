"""Quiz rules: campaign staff create quizzes for their subtree; a citizen answers once, inside
the window (the closing time is checked when the answers arrive, so an attempt begun before
closing and sent after it is refused); results and a leaderboard without identities."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from feedback_api import windows
from feedback_api.audit import service as audit
from feedback_api.broadcasts import service as broadcasts
from feedback_api.broadcasts.models import Broadcast
from feedback_api.broadcasts.schemas import BroadcastDraft, Link
from feedback_api.clock import VIETNAM, aware, utcnow
from feedback_api.permissions import Action, Actor, NotFound
from feedback_api.quizzes.models import Quiz, QuizAttempt, QuizQuestion
from feedback_api.quizzes.schemas import (
    AttemptCreate,
    AttemptResult,
    Correction,
    QuestionPublic,
    QuizCreate,
    QuizPublic,
)
from feedback_api.settings import Settings
from feedback_api.startlinks import StartLinks, for_payload
from feedback_api.units.models import Unit

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PAYLOAD_PREFIX = "q_"  # the bot's start payload for a quiz (handlers.flows.quiz.PREFIX)


class QuizError(ValueError):
    """A quiz action that cannot be done (Vietnamese message)."""


class QuizClosed(QuizError):
    pass


class AlreadyAnswered(QuizError):
    pass


is_open = windows.is_open  # the quiz takes answers now
is_closed = windows.has_closed  # over for good: nothing more to announce


def create(*, db_session: Session, actor: Actor, data: QuizCreate) -> Quiz:
    actor.require(Action.BROADCAST)
    unit = db_session.get(Unit, data.unit_id)
    if unit is None or not actor.reaches(unit.path):
        raise QuizError("đơn vị không hợp lệ")
    quiz = Quiz(
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
        title=data.title.strip(),
        unit_id=unit.id,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        created_by_id=actor.officer_id,
    )
    db_session.add(quiz)
    db_session.flush()
    for position, question in enumerate(data.questions):
        db_session.add(
            QuizQuestion(
                quiz_id=quiz.id,
                position=position,
                text=question.text.strip(),
                choices=json.dumps([c.strip() for c in question.choices], ensure_ascii=False),
                correct=question.correct,
                legal_basis=question.legal_basis.strip(),
                explanation=question.explanation.strip(),
            )
        )
    audit.record(
        db_session=db_session,
        actor=actor,
        action="quiz.create",
        entity_type="quiz",
        entity_id=quiz.id,
        after={"title": quiz.title, "questions": len(data.questions)},
    )
    db_session.commit()
    return quiz


def questions(db_session: Session, quiz: Quiz) -> list[QuizQuestion]:
    return list(
        db_session.exec(
            select(QuizQuestion)
            .where(QuizQuestion.quiz_id == quiz.id)
            .order_by(col(QuizQuestion.position))
        )
    )


def by_code(*, db_session: Session, code: str) -> Quiz:
    quiz = db_session.exec(select(Quiz).where(Quiz.code == code.strip().lower())).first()
    if quiz is None:
        raise NotFound("quiz")
    return quiz


def to_public(db_session: Session, quiz: Quiz) -> QuizPublic:
    return QuizPublic(
        code=quiz.code,
        title=quiz.title,
        closes_at=aware(quiz.closes_at),
        open=is_open(quiz),
        questions=[
            QuestionPublic(text=q.text, choices=json.loads(q.choices))
            for q in questions(db_session, quiz)
        ],
    )


def answer(
    *, db_session: Session, code: str, data: AttemptCreate, now: dt.datetime | None = None
) -> AttemptResult:
    """Score a citizen's answers once; the result carries every correct answer with its legal
    basis and explanation."""
    quiz = by_code(db_session=db_session, code=code)
    if not is_open(quiz, now or utcnow()):
        raise QuizClosed("cuộc thi không nhận bài vào lúc này")
    asked = questions(db_session, quiz)
    if len(data.answers) != len(asked):
        raise QuizError(f"cần trả lời đủ {len(asked)} câu hỏi")
    previous = db_session.exec(
        select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id)
        .where(QuizAttempt.citizen_ref == data.citizen_ref)
    ).first()
    if previous is not None:
        raise AlreadyAnswered("mỗi người chỉ được dự thi một lần")
    score = sum(1 for q, a in zip(asked, data.answers, strict=True) if q.correct == a)
    db_session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            citizen_ref=data.citizen_ref,
            display_name=(data.display_name or "").strip()[:60] or None,
            answers=json.dumps(data.answers),
            score=score,
            total=len(asked),
        )
    )
    try:
        db_session.commit()
    except IntegrityError:  # the same citizen twice at once: the database keeps one
        db_session.rollback()
        raise AlreadyAnswered("mỗi người chỉ được dự thi một lần") from None
    return AttemptResult(
        score=score,
        total=len(asked),
        corrections=[
            Correction(
                text=q.text,
                chosen=a if 0 <= a < len(json.loads(q.choices)) else None,
                correct=q.correct,
                correct_choice=json.loads(q.choices)[q.correct],
                legal_basis=q.legal_basis,
                explanation=q.explanation,
            )
            for q, a in zip(asked, data.answers, strict=True)
        ],
    )


def get_in_reach(*, db_session: Session, actor: Actor, quiz_id: int) -> Quiz:
    actor.require(Action.VIEW_QUIZZES)
    quiz = db_session.get(Quiz, quiz_id)
    unit = db_session.get(Unit, quiz.unit_id) if quiz else None
    if quiz is None or unit is None or not actor.reaches(unit.path):
        raise NotFound("quiz")
    return quiz


def list_in_reach(*, db_session: Session, actor: Actor) -> list[Quiz]:
    actor.require(Action.VIEW_QUIZZES)
    reach = [
        u.id
        for u in db_session.exec(select(Unit).where(col(Unit.path).startswith(actor.unit_path)))
    ]
    return list(
        db_session.exec(
            select(Quiz).where(col(Quiz.unit_id).in_(reach)).order_by(col(Quiz.id).desc())
        )
    )


def pseudonym(citizen_ref: str) -> str:
    """A stable name for a participant who chose none; it reveals nothing of the reference."""
    return "Người dự thi " + hashlib.sha256(citizen_ref.encode()).hexdigest()[:6].upper()


def leaderboard(*, db_session: Session, actor: Actor, quiz_id: int) -> list[dict]:
    """Ranked results: best score first, then the earliest to finish."""
    quiz = get_in_reach(db_session=db_session, actor=actor, quiz_id=quiz_id)
    attempts = db_session.exec(
        select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id)
        .order_by(col(QuizAttempt.score).desc(), col(QuizAttempt.finished_at), col(QuizAttempt.id))
    )
    return [
        {
            "rank": rank,
            "name": a.display_name or pseudonym(a.citizen_ref),
            "score": a.score,
            "total": a.total,
            "finished_at": aware(a.finished_at),
        }
        for rank, a in enumerate(attempts, start=1)
    ]


def results_xlsx(*, db_session: Session, actor: Actor, quiz_id: int) -> bytes:
    import io

    from openpyxl import Workbook

    quiz = get_in_reach(db_session=db_session, actor=actor, quiz_id=quiz_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "Kết quả"
    sheet.append(["Hạng", "Người dự thi", "Số câu đúng", "Tổng số câu", "Thời điểm nộp bài"])
    for row in leaderboard(db_session=db_session, actor=actor, quiz_id=quiz.id):
        sheet.append(
            [
                row["rank"],
                row["name"],
                row["score"],
                row["total"],
                row["finished_at"].astimezone(VIETNAM).replace(tzinfo=None),
            ]
        )
        sheet.cell(sheet.max_row, 5).number_format = "DD/MM/YYYY HH:MM"
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["E"].width = 20
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def links_for(settings: Settings, quiz: Quiz) -> StartLinks:
    return for_payload(settings, f"{PAYLOAD_PREFIX}{quiz.code}")


def announce(
    *,
    db_session: Session,
    actor: Actor,
    quiz_id: int,
    settings: Settings,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> Broadcast:
    """Draft a campaign announcing the quiz to the subscribers of its unit subtree, with the
    links that open it in the bot. It is an ordinary draft of the broadcast service: the author
    may edit it, and it goes out only once someone else approves it (four eyes)."""
    quiz = get_in_reach(db_session=db_session, actor=actor, quiz_id=quiz_id)
    actor.require(Action.BROADCAST)
    if is_closed(quiz, now):
        raise QuizError("Cuộc thi đã kết thúc: không thể thông báo nữa.")
    links = links_for(settings, quiz)
    buttons = [
        Link(label=label, url=url)
        for label, url in (
            ("Dự thi trên Telegram", links.telegram),
            ("Dự thi trên web", links.webchat),
        )
        if url
    ]
    if not buttons:
        raise QuizError(
            "Chưa có đường dẫn dự thi: cần cấu hình tên bot Telegram hoặc địa chỉ trò chuyện web."
        )
    unit = db_session.get(Unit, quiz.unit_id)

    def day(moment: dt.datetime) -> str:
        return aware(moment).astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")

    text = (
        f"{unit.name} tổ chức cuộc thi tìm hiểu pháp luật «{quiz.title}», "
        f"nhận bài từ {day(quiz.opens_at)} đến {day(quiz.closes_at)}.\n"
        "Mỗi người dự thi một lần; nộp bài xong bạn nhận ngay điểm số cùng đáp án đúng, "
        "căn cứ pháp lý và giải thích. Mời bạn tham gia!"
    )
    draft = BroadcastDraft(
        title=f"Thông báo cuộc thi: {quiz.title}"[:200],
        text=text,
        links=buttons,
        unit_ids=[quiz.unit_id],
    )
    return broadcasts.create(db_session=db_session, actor=actor, data=draft, ip=ip)
