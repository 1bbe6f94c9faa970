"""Quiz pages: campaign staff create quizzes; results, leaderboard and Excel export."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from feedback_api.deps import SessionDep, SettingsDep, client_ip
from feedback_api.forums.pages import _local_moment
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.inbox import _optional_int
from feedback_api.permissions import Action
from feedback_api.quizzes import service, text_format
from feedback_api.quizzes.schemas import QuizCreate
from feedback_api.reports.pages import XLSX
from feedback_api.units.service import list_units
from feedback_api.wire import DbId

router = APIRouter(prefix="/officer", include_in_schema=False)


def _list(request, db, browser, *, error=None, status_code=200, form=None):
    actor = browser.actor
    return page(
        request,
        "quizzes.html",
        browser,
        status_code=status_code,
        quizzes=service.list_in_reach(db_session=db, actor=actor),
        units=[u for u in list_units(db_session=db) if actor.reaches(u.path)],
        can_create=actor.can(Action.BROADCAST),
        error=error,
        form=form or {},
        is_open=service.is_open,
    )


@router.get("/quizzes")
def quiz_list(request: Request, db: SessionDep, browser: PageSession):
    return _list(request, db, browser)


@router.post("/quizzes")
def quiz_create(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    title: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form(max_length=20)] = "",
    opens_at: Annotated[str, Form(max_length=40)] = "",
    closes_at: Annotated[str, Form(max_length=40)] = "",
    questions: Annotated[str, Form(max_length=100_000)] = "",
):
    actor = browser.actor
    form = {"title": title, "questions": questions}
    try:
        data = QuizCreate(
            title=title,
            unit_id=_optional_int(unit_id) or actor.unit_id,
            opens_at=_local_moment(opens_at),
            closes_at=_local_moment(closes_at),
            questions=text_format.parse(questions),
        )
    except text_format.FormatError as exc:
        return _list(request, db, browser, error=str(exc), status_code=422, form=form)
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return _list(
            request,
            db,
            browser,
            error=f"Thông tin chưa hợp lệ: {reasons}",
            status_code=422,
            form=form,
        )
    quiz = service.create(db_session=db, actor=actor, data=data)
    return RedirectResponse(f"/officer/quizzes/{quiz.id}", status_code=303)


@router.get("/quizzes/{quiz_id}")
def quiz_detail(
    quiz_id: DbId, request: Request, db: SessionDep, settings: SettingsDep, browser: PageSession
):
    return _detail(quiz_id, request, db, settings, browser)


def _detail(quiz_id, request, db, settings, browser, *, error=None, status_code=200):
    quiz = service.get_in_reach(db_session=db, actor=browser.actor, quiz_id=quiz_id)
    board = service.leaderboard(db_session=db, actor=browser.actor, quiz_id=quiz.id)
    return page(
        request,
        "quiz_detail.html",
        browser,
        status_code=status_code,
        quiz=quiz,
        questions=[
            {**q.model_dump(), "choices": json.loads(q.choices)}
            for q in service.questions(db, quiz)
        ],
        board=board,
        average=round(sum(r["score"] for r in board) / len(board), 2) if board else None,
        telegram=service.links_for(settings, quiz).telegram,
        is_open=service.is_open(quiz),
        can_announce=browser.actor.can(Action.BROADCAST) and not service.is_closed(quiz),
        error=error,
    )


@router.post("/quizzes/{quiz_id}/announce")
def quiz_announce(
    quiz_id: DbId, request: Request, db: SessionDep, settings: SettingsDep, browser: PageSession
):
    """A campaign draft announcing the quiz; the officer lands on it to review and send it for
    approval like any other campaign."""
    try:
        broadcast = service.announce(
            db_session=db,
            actor=browser.actor,
            quiz_id=quiz_id,
            settings=settings,
            ip=client_ip(request),
        )
    except service.QuizError as exc:
        return _detail(quiz_id, request, db, settings, browser, error=str(exc), status_code=409)
    return RedirectResponse(f"/officer/broadcasts/{broadcast.id}", status_code=303)


@router.get("/quizzes/{quiz_id}/results.xlsx")
def quiz_results(quiz_id: DbId, db: SessionDep, browser: PageSession):
    content = service.results_xlsx(db_session=db, actor=browser.actor, quiz_id=quiz_id)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="ket-qua-thi-{quiz_id}.xlsx"'},
    )
