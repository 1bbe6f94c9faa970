"""JSON face of the report (leaders and admins, their unit subtree): one service call."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException

from feedback_api.clock import local_date, utcnow
from feedback_api.deps import CurrentActor, SessionDep
from feedback_api.reports import service
from feedback_api.reports.schemas import CampaignPublic, Figure, ReportPublic
from feedback_api.wire import DbId

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def to_public(report: service.Report) -> ReportPublic:
    def figures(rows):
        return [Figure(label=label, count=n) for label, n in rows]

    return ReportPublic(
        unit_code=report.unit.code,
        start=report.start,
        end=report.end,
        tips_received=report.tips_received,
        tips_valuable=report.tips_valuable,
        tips_resolved=report.tips_resolved,
        tips_overdue=report.tips_overdue,
        tips_by_category=figures(report.tips_by_category),
        tips_by_unit=figures(report.tips_by_unit),
        questions_asked=report.questions_asked,
        questions_answered=report.questions_answered,
        faq_answers_served=report.faq_answers_served,
        opinions_received=report.opinions_received,
        opinions_answered=report.opinions_answered,
        forums_held=report.forums_held,
        forum_opinions=report.forum_opinions,
        subscribers=report.subscribers,
        opt_outs_asked=report.opt_outs_asked,
        opt_outs_blocked=report.opt_outs_blocked,
        campaigns_sent=report.campaigns_sent,
        recipients_reached=report.recipients_reached,
        campaigns=[CampaignPublic(**vars(c)) for c in report.campaigns],
        quizzes_held=report.quizzes_held,
        quiz_participants=report.quiz_participants,
        duplicates=report.duplicates,
    )


@router.get("", response_model=ReportPublic)
def get_report(
    db: SessionDep,
    actor: CurrentActor,
    unit_id: DbId | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ReportPublic:
    """The figures of `unit_id` (default: the caller's unit) from `start` to `end` (Vietnam
    days, both included; default: this month up to today)."""
    today = local_date(utcnow())
    try:
        report = service.for_actor(
            db_session=db,
            actor=actor,
            unit_id=unit_id,
            start=start or today.replace(day=1),
            end=end or today,
        )
    except service.ReportError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return to_public(report)
