"""JSON routes the bot uses for quizzes: the questions (without answers) and one attempt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from feedback_api.deps import ServiceCaller, SessionDep
from feedback_api.quizzes import service
from feedback_api.quizzes.schemas import AttemptCreate, AttemptResult, QuizPublic

router = APIRouter(prefix="/api/v1/intake/quizzes", tags=["intake"])
Code = Annotated[str, Path(pattern=r"^[a-z0-9]{4,16}$")]


@router.get("/{code}", response_model=QuizPublic)
def get_quiz(code: Code, db: SessionDep, _caller: ServiceCaller) -> QuizPublic:
    return service.to_public(db, service.by_code(db_session=db, code=code))


@router.post(
    "/{code}/attempts",
    status_code=201,
    response_model=AttemptResult,
    responses={409: {"description": "Closed, or this citizen has already answered"}},
)
def send_attempt(
    code: Code, data: AttemptCreate, db: SessionDep, _caller: ServiceCaller
) -> AttemptResult | JSONResponse:
    """Score the citizen's one attempt; refused once the quiz has closed."""
    try:
        return service.answer(db_session=db, code=code, data=data)
    except service.QuizClosed as exc:
        return JSONResponse({"detail": str(exc), "code": "closed"}, status_code=409)
    except service.AlreadyAnswered as exc:
        return JSONResponse({"detail": str(exc), "code": "already"}, status_code=409)
