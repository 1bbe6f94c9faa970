"""The report on the wire: the same figures as the page and the workbook, for leaders' scripts
(a province pulling its communes' figures into its own sheet). Counts only, never who."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class Figure(BaseModel):
    label: str
    count: int


class CampaignPublic(BaseModel):
    title: str
    started: dt.date
    recipients: int
    sent: int
    blocked: int
    skipped: int
    failed: int


class ReportPublic(BaseModel):
    unit_code: str
    start: dt.date
    end: dt.date
    tips_received: int
    tips_valuable: int
    tips_resolved: int
    tips_overdue: int
    tips_by_category: list[Figure]
    tips_by_unit: list[Figure]
    questions_asked: int
    questions_answered: int
    faq_answers_served: int
    opinions_received: int
    opinions_answered: int
    forums_held: int
    forum_opinions: int
    subscribers: int
    opt_outs_asked: int
    opt_outs_blocked: int
    campaigns_sent: int
    recipients_reached: int
    campaigns: list[CampaignPublic]
    quizzes_held: int
    quiz_participants: int
    duplicates: int
