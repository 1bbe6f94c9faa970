"""The figures leaders send upward: one unit subtree, one range of Vietnam calendar days.

Every submission is counted once: a submission closed as a duplicate (or linked to an original)
is left out of every figure and counted on its own line, so a tip reported by five neighbours
is one tip. Rows are read once and counted in Python: the subtree of one province holds at most
tens of thousands of submissions a month, and one code path gives SQLite and PostgreSQL the same
answers (time zones, month buckets) without per-dialect date SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from faq.normalize import normalize
from feedback_api.audit.models import AuditEvent
from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery, DeliveryState
from feedback_api.clock import VIETNAM, start_of_local_day, utcnow
from feedback_api.forums.models import Forum, ForumOpinion
from feedback_api.permissions import Action, Actor, NotFound
from feedback_api.quizzes.models import Quiz, QuizAttempt
from feedback_api.submissions import labels
from feedback_api.submissions.models import CLOSED, Kind, Status, Submission
from feedback_api.subscriptions.models import Subscription
from feedback_api.units.models import Unit

# What an officer does to a submission that counts as "acting on it" (opening it does not).
FIRST_ACTIONS = ("submission.update", "submission.note", "submission.reply", "submission.duplicate")
TOP_UNANSWERED = 10
MAX_DAYS = 3660


class ReportError(ValueError):
    """A report that cannot be asked for (dates reversed, range too long)."""


@dataclass(frozen=True)
class Duration:
    """Hours from receipt to an event, over the submissions that reached it."""

    count: int
    mean_hours: float | None
    median_hours: float | None

    @classmethod
    def of(cls, hours: list[float]) -> Duration:
        if not hours:
            return cls(0, None, None)
        return cls(
            len(hours), round(statistics.fmean(hours), 1), round(statistics.median(hours), 1)
        )


@dataclass(frozen=True)
class CampaignFigures:
    """One campaign started in the range: how many it was meant for and what became of them
    (test sends to officers' own chats are not counted)."""

    title: str
    started: dt.date
    recipients: int
    sent: int
    blocked: int  # the citizen had blocked the bot: unsubscribed on the spot
    skipped: int  # unsubscribed meanwhile, or outside the platform's rules (Zalo's window)
    failed: int


@dataclass
class Report:
    unit: Unit
    start: dt.date
    end: dt.date  # inclusive
    generated_at: dt.datetime
    tips_received: int = 0
    tips_valuable: int = 0
    tips_resolved: int = 0
    tips_overdue: int = 0
    tips_by_category: list[tuple[str, int]] = field(default_factory=list)
    tips_by_unit: list[tuple[str, int]] = field(default_factory=list)
    tips_by_month: list[tuple[dt.date, int]] = field(default_factory=list)
    first_action: Duration = Duration(0, None, None)
    resolution: Duration = Duration(0, None, None)
    questions_asked: int = 0
    questions_answered: int = 0
    # FAQ answers the bot showed (knowledge.served): for a commune, those whose citizen's commune
    # was known to be in the subtree; for a top-level unit, every one (commune known or not).
    faq_answers_served: int = 0
    top_faq_served: list[tuple[str, int]] = field(default_factory=list)
    faq_served_by_channel: list[tuple[str, int]] = field(default_factory=list)
    top_unanswered: list[tuple[str, int]] = field(default_factory=list)
    # Questions the FAQ bot could not answer (kb-loop's log). They carry no unit (nothing says
    # who asked or from where), so they are reported only for a top-level unit, as the whole
    # system's; None for a commune.
    faq_unanswered: int | None = None
    top_faq_unanswered: list[tuple[str, int]] = field(default_factory=list)
    opinions_received: int = 0
    opinions_answered: int = 0
    subscribers_by_unit: list[tuple[str, int]] = field(default_factory=list)
    # Subscriptions ended in the range: the citizen asked ("stop") or blocked the bot (seen when
    # a campaign could not be delivered).
    opt_outs_asked: int = 0
    opt_outs_blocked: int = 0
    campaigns: list[CampaignFigures] = field(default_factory=list)
    # Citizens who received at least one campaign message in the range (each counted once).
    recipients_reached: int = 0
    forums_held: int = 0
    forum_opinions: int = 0
    quizzes_held: int = 0
    quiz_participants: int = 0
    duplicates_by_kind: list[tuple[str, int]] = field(default_factory=list)

    @property
    def subscribers(self) -> int:
        return sum(n for _, n in self.subscribers_by_unit)

    @property
    def opt_outs(self) -> int:
        return self.opt_outs_asked + self.opt_outs_blocked

    @property
    def campaigns_sent(self) -> int:
        return len(self.campaigns)

    @property
    def duplicates(self) -> int:
        return sum(n for _, n in self.duplicates_by_kind)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _hours(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _answered(submission: Submission) -> bool:
    return bool(submission.public_reply) or submission.status == Status.RESOLVED


def _first_actions(db_session: Session, ids: list[int]) -> dict[int, dt.datetime]:
    found: dict[int, dt.datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db_session.exec(
            select(AuditEvent.entity_id, func.min(AuditEvent.at))
            .where(AuditEvent.entity_type == "submission")
            .where(col(AuditEvent.action).in_(FIRST_ACTIONS))
            .where(col(AuditEvent.entity_id).in_(chunk))
            .group_by(AuditEvent.entity_id)
        )
        found.update({entity_id: _aware(at) for entity_id, at in rows})
    return found


def build(
    *,
    db_session: Session,
    unit: Unit,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
) -> Report:
    """The report of `unit` and every unit under it, for submissions received from `start` to
    `end` (both included, Vietnam days). Overdue means still open past its deadline at `now`."""
    if end < start:
        raise ReportError("ngày kết thúc phải sau ngày bắt đầu")
    if (end - start).days > MAX_DAYS:
        raise ReportError("khoảng thời gian tối đa là 10 năm")
    now = now or utcnow()
    units = {
        u.id: u for u in db_session.exec(select(Unit).where(col(Unit.path).startswith(unit.path)))
    }
    rows = list(
        db_session.exec(
            select(Submission)
            .where(col(Submission.unit_id).in_(list(units)))
            .where(Submission.created_at >= start_of_local_day(start))
            .where(Submission.created_at < start_of_local_day(end + dt.timedelta(days=1)))
            .order_by(col(Submission.id))
        )
    )
    report = Report(unit=unit, start=start, end=end, generated_at=now)
    duplicates = [r for r in rows if r.status == Status.DUPLICATE or r.duplicate_of_id]
    counted = [r for r in rows if not (r.status == Status.DUPLICATE or r.duplicate_of_id)]
    report.duplicates_by_kind = [
        (labels.KIND[kind], n) for kind, n in Counter(str(r.kind) for r in duplicates).most_common()
    ]

    tips = [r for r in counted if r.kind == Kind.TIP]
    report.tips_received = len(tips)
    report.tips_valuable = sum(1 for r in tips if r.valuable)
    report.tips_resolved = sum(1 for r in tips if r.status == Status.RESOLVED)
    report.tips_overdue = sum(1 for r in tips if r.status not in CLOSED and _aware(r.due_at) < now)
    report.tips_by_category = [
        (labels.CATEGORY.get(c, c), n)
        for c, n in sorted(
            Counter(r.category for r in tips).items(), key=lambda kv: (-kv[1], kv[0])
        )
    ]
    by_unit = Counter(r.unit_id for r in tips)
    report.tips_by_unit = [
        (units[uid].name, by_unit[uid])
        for uid in sorted(units, key=lambda uid: (units[uid].path.count("/"), units[uid].name))
        if by_unit[uid]
    ]
    by_month = Counter(_aware(r.created_at).astimezone(VIETNAM).date().replace(day=1) for r in tips)
    report.tips_by_month = sorted(by_month.items())
    firsts = _first_actions(db_session, [r.id for r in tips])
    report.first_action = Duration.of(
        [_hours(firsts[r.id], _aware(r.created_at)) for r in tips if r.id in firsts]
    )
    report.resolution = Duration.of(
        [
            _hours(_aware(r.closed_at), _aware(r.created_at))
            for r in tips
            if r.status == Status.RESOLVED and r.closed_at
        ]
    )

    questions = [r for r in counted if r.kind == Kind.QUESTION]
    report.questions_asked = len(questions)
    report.questions_answered = sum(1 for r in questions if _answered(r))
    unanswered: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for r in questions:
        if not _answered(r):
            key = normalize(r.text)
            unanswered[key] += 1
            shown.setdefault(key, r.text.strip()[:200])
    report.top_unanswered = [(shown[k], n) for k, n in unanswered.most_common(TOP_UNANSWERED)]

    opinions = [r for r in counted if r.kind == Kind.OPINION]
    report.opinions_received = len(opinions)
    report.opinions_answered = sum(1 for r in opinions if _answered(r))

    subscribed = Counter(
        uid
        for uid in db_session.exec(
            select(Subscription.unit_id)
            .where(col(Subscription.active))
            .where(col(Subscription.unit_id).in_(list(units)))
            .where(Subscription.created_at < start_of_local_day(end + dt.timedelta(days=1)))
        )
    )
    report.subscribers_by_unit = [
        (units[uid].name, subscribed[uid])
        for uid in sorted(units, key=lambda uid: (units[uid].path.count("/"), units[uid].name))
        if subscribed[uid]
    ]
    _engagement(db_session, report, list(units), start, end, counted)
    _campaigns(db_session, report, list(units), start, end)
    _faq_served(db_session, report, None if unit.parent_id is None else list(units), start, end)
    if unit.parent_id is None:
        _faq_unanswered(db_session, report, start, end)
    return report


def _faq_unanswered(db_session: Session, report: Report, start: dt.date, end: dt.date) -> None:
    from feedback_api.knowledge.models import UnansweredQuestion

    texts = list(
        db_session.exec(
            select(UnansweredQuestion.text)
            .where(UnansweredQuestion.asked_at >= start_of_local_day(start))
            .where(UnansweredQuestion.asked_at < start_of_local_day(end + dt.timedelta(days=1)))
        )
    )
    report.faq_unanswered = len(texts)
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for text in texts:
        key = normalize(text)
        counts[key] += 1
        shown.setdefault(key, text.strip()[:200])
    report.top_faq_unanswered = [(shown[k], n) for k, n in counts.most_common(TOP_UNANSWERED)]


def _engagement(
    db_session: Session,
    report: Report,
    unit_ids: list[int],
    start: dt.date,
    end: dt.date,
    counted: list[Submission],
) -> None:
    """Opt-outs, forums held (by the day they took place), opinions sent to forums (by the day
    they arrived), and quizzes (open during the range) with their participants."""
    first, after = start_of_local_day(start), start_of_local_day(end + dt.timedelta(days=1))
    reasons = Counter(
        db_session.exec(
            select(Subscription.ended_reason)
            .where(~col(Subscription.active))
            .where(col(Subscription.unit_id).in_(unit_ids))
            .where(Subscription.updated_at >= first)
            .where(Subscription.updated_at < after)
        )
    )
    report.opt_outs_blocked = reasons.pop("blocked", 0)
    report.opt_outs_asked = sum(reasons.values())
    forum_ids = list(
        db_session.exec(
            select(Forum.id)
            .where(col(Forum.unit_id).in_(unit_ids))
            .where(Forum.starts_at >= first)
            .where(Forum.starts_at < after)
        )
    )
    report.forums_held = len(forum_ids)
    # Opinions received in the range for any forum (one held later still collects opinions
    # now): the same counting as "opinions received", so the two figures agree.
    opinion_ids = [r.id for r in counted if r.kind == Kind.OPINION]
    report.forum_opinions = sum(
        len(
            db_session.exec(
                select(ForumOpinion.submission_id).where(
                    col(ForumOpinion.submission_id).in_(opinion_ids[i : i + 500])
                )
            ).all()
        )
        for i in range(0, len(opinion_ids), 500)
    )
    quiz_ids = list(
        db_session.exec(
            select(Quiz.id)
            .where(col(Quiz.unit_id).in_(unit_ids))
            .where(Quiz.closes_at >= first)
            .where(Quiz.opens_at < after)
        )
    )
    report.quizzes_held = len(quiz_ids)
    report.quiz_participants = (
        len(
            db_session.exec(
                select(QuizAttempt.id)
                .where(col(QuizAttempt.quiz_id).in_(quiz_ids))
                .where(QuizAttempt.finished_at >= first)
                .where(QuizAttempt.finished_at < after)
            ).all()
        )
        if quiz_ids
        else 0
    )


CHANNELS = {"telegram": "Telegram", "zalo": "Zalo", "web": "Trò chuyện trên web", "other": "Khác"}


def _faq_served(
    db_session: Session,
    report: Report,
    unit_ids: list[int] | None,
    start: dt.date,
    end: dt.date,
) -> None:
    """FAQ answers served in the range, most served entries first (by their live title)."""
    from feedback_api.knowledge.models import AnswerServed, KnowledgeEntry

    first, after = start_of_local_day(start), start_of_local_day(end + dt.timedelta(days=1))
    query = (
        select(AnswerServed.entry_slug, AnswerServed.channel)
        .where(AnswerServed.served_at >= first)
        .where(AnswerServed.served_at < after)
    )
    if unit_ids is not None:
        query = query.where(col(AnswerServed.unit_id).in_(unit_ids))
    rows = list(db_session.exec(query))
    report.faq_answers_served = len(rows)
    by_channel = Counter(channel for _, channel in rows)
    report.faq_served_by_channel = [
        (CHANNELS.get(c, c), n) for c, n in sorted(by_channel.items(), key=lambda kv: -kv[1])
    ]
    top = Counter(slug for slug, _ in rows).most_common(TOP_UNANSWERED)
    titles = {
        entry.slug: json.loads(entry.document).get("title", entry.slug)
        for entry in db_session.exec(
            select(KnowledgeEntry).where(col(KnowledgeEntry.slug).in_([s for s, _ in top]))
        )
    }
    report.top_faq_served = [(titles.get(slug, slug), n) for slug, n in top]


def _campaigns(
    db_session: Session, report: Report, unit_ids: list[int], start: dt.date, end: dt.date
) -> None:
    """Campaigns of the subtree's units that started in the range, each with its outcomes, and
    the citizens reached: distinct recipients of a message sent in the range, whichever
    campaign (of the subtree) it came from."""
    first, after = start_of_local_day(start), start_of_local_day(end + dt.timedelta(days=1))
    campaigns = list(
        db_session.exec(
            select(Broadcast)
            .where(col(Broadcast.unit_id).in_(unit_ids))
            .where(col(Broadcast.started_at).is_not(None))
            .where(Broadcast.started_at >= first)
            .where(Broadcast.started_at < after)
            .order_by(col(Broadcast.started_at), col(Broadcast.id))
        )
    )
    outcomes: dict[int, Counter[str]] = {b.id: Counter() for b in campaigns}
    if campaigns:
        for broadcast_id, state, n in db_session.exec(
            select(BroadcastDelivery.broadcast_id, BroadcastDelivery.state, func.count())
            .where(col(BroadcastDelivery.broadcast_id).in_(list(outcomes)))
            .where(BroadcastDelivery.test_seq == 0)
            .group_by(BroadcastDelivery.broadcast_id, BroadcastDelivery.state)
        ):
            outcomes[broadcast_id][state] = n
    D = DeliveryState
    report.campaigns = [
        CampaignFigures(
            title=b.title,
            started=_aware(b.started_at).astimezone(VIETNAM).date(),
            recipients=sum(outcomes[b.id].values()) or b.recipients,
            sent=outcomes[b.id][D.SENT],
            blocked=outcomes[b.id][D.BLOCKED],
            skipped=outcomes[b.id][D.SKIPPED],
            failed=outcomes[b.id][D.FAILED] + outcomes[b.id][D.UNKNOWN],
        )
        for b in campaigns
    ]
    report.recipients_reached = db_session.exec(
        select(func.count(func.distinct(BroadcastDelivery.citizen_ref)))
        .join(Broadcast, col(Broadcast.id) == BroadcastDelivery.broadcast_id)
        .where(col(Broadcast.unit_id).in_(unit_ids))
        .where(BroadcastDelivery.test_seq == 0)
        .where(BroadcastDelivery.state == DeliveryState.SENT)
        .where(BroadcastDelivery.sent_at >= first)
        .where(BroadcastDelivery.sent_at < after)
    ).one()


def for_actor(
    *,
    db_session: Session,
    actor: Actor,
    unit_id: int | None,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
) -> Report:
    """The report an officer may see: their own unit by default, a unit in their subtree on
    request; a unit outside it does not exist for them."""
    actor.require(Action.VIEW_REPORTS)
    unit = db_session.get(Unit, unit_id if unit_id is not None else actor.unit_id)
    if unit is None or not actor.reaches(unit.path):
        raise NotFound("unit")
    return build(db_session=db_session, unit=unit, start=start, end=end, now=now)
