"""The campaign role's home: who will receive broadcasts, per unit (counts only)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from feedback_api.deps import SessionDep
from feedback_api.pages.auth import PageSession, page
from feedback_api.subscriptions import service as subscriptions

router = APIRouter(prefix="/officer", include_in_schema=False)


@router.get("/campaign")
def campaign(request: Request, db: SessionDep, browser: PageSession):
    rows = subscriptions.overview(db_session=db, actor=browser.actor)
    return page(request, "campaign.html", browser, rows=rows, total=sum(r.active for r in rows))
