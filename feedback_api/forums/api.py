"""JSON routes the bot uses for forums: look a forum up by its code, list the open forums of a
citizen's commune, and send an opinion to a forum."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from feedback_api.deps import ServiceCaller, SessionDep, SettingsDep
from feedback_api.forums import service
from feedback_api.forums.schemas import CODE_PATTERN, ForumOpinionCreate, ForumPublic, ForumsPublic
from feedback_api.submissions.api import _receipt
from feedback_api.submissions.schemas import SubmissionReceipt

router = APIRouter(prefix="/api/v1/intake/forums", tags=["intake"])
Code = Annotated[str, Path(pattern=CODE_PATTERN)]


@router.get("/open", response_model=ForumsPublic)
def open_forums(
    db: SessionDep,
    _caller: ServiceCaller,
    citizen_ref: Annotated[str, Query(min_length=1, max_length=64)],
) -> ForumsPublic:
    """Open forums of the citizen's commune (subscribed from or remembered) and above it."""
    rows = service.open_for_citizen(db_session=db, citizen_ref=citizen_ref)
    data = [service.to_public(db, forum) for forum in rows]
    return ForumsPublic(data=data, count=len(data))


@router.get("/{code}", response_model=ForumPublic)
def get_forum(code: Code, db: SessionDep, _caller: ServiceCaller) -> ForumPublic:
    return service.to_public(db, service.by_code(db_session=db, code=code))


@router.post(
    "/{code}/opinions",
    status_code=201,
    response_model=SubmissionReceipt,
    responses={409: {"description": "The forum does not take opinions now"}},
)
def send_opinion(
    code: Code,
    data: ForumOpinionCreate,
    db: SessionDep,
    settings: SettingsDep,
    _caller: ServiceCaller,
) -> SubmissionReceipt:
    """Accept an opinion for the forum (routed to the forum's unit) while its window is open."""
    try:
        submission = service.submit_opinion(db_session=db, settings=settings, code=code, data=data)
    except service.ForumClosed as exc:
        raise HTTPException(409, str(exc)) from None
    return _receipt(submission)
