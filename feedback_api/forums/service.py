"""Forum rules: creation inside the officer's reach, opinions accepted only while the window is
open (each one a submission routed to the forum's unit), themes, responses, publication.

Officers act only on forums of their subtree (the same reach as submissions); the citizen side
(bot) knows a forum only by its public code.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlmodel import Session, col, select

from feedback_api import windows
from feedback_api.audit import service as audit
from feedback_api.clock import aware, utcnow
from feedback_api.forums import grouping, labels
from feedback_api.forums.models import Forum, ForumOpinion, ForumTheme, Response
from feedback_api.forums.schemas import ForumCreate, ForumOpinionCreate, ForumPublic
from feedback_api.outbox import service as outbox
from feedback_api.permissions import Action, Actor, NotFound
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Status, Submission
from feedback_api.submissions.schemas import SubmissionCreate
from feedback_api.subscriptions.models import Subscription
from feedback_api.units.models import RememberedUnit, Unit

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8


class ForumError(ValueError):
    """A forum action that cannot be done; the message is Vietnamese, for the officer."""


class ForumClosed(ForumError):
    """The forum does not take opinions now (not open yet, or its window has ended)."""


is_open = windows.is_open  # the forum takes opinions now (pages and the bot ask)


# The catalogue key of the summary sent to participants, without or with the public page link.
SUMMARY_INTENT = {False: "notice.forum_summary", True: "notice.forum_summary_link"}


def topics(forum: Forum) -> list[str]:
    return [t for t in forum.topics.splitlines() if t.strip()]


def create(*, db_session: Session, actor: Actor, data: ForumCreate) -> Forum:
    actor.require(Action.TRIAGE)
    unit = db_session.get(Unit, data.unit_id)
    if unit is None or not actor.reaches(unit.path):
        raise ForumError("đơn vị không hợp lệ")
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not db_session.exec(select(Forum).where(Forum.code == code)).first():
            break
    forum = Forum(
        code=code,
        title=data.title.strip(),
        unit_id=unit.id,
        venue=data.venue.strip(),
        starts_at=data.starts_at,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        topics="\n".join(data.topics),
        created_by_id=actor.officer_id,
    )
    db_session.add(forum)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor,
        action="forum.create",
        entity_type="forum",
        entity_id=forum.id,
        after={"title": forum.title, "unit_id": unit.id},
    )
    db_session.commit()
    return forum


def get_in_reach(*, db_session: Session, actor: Actor, forum_id: int) -> Forum:
    forum = db_session.get(Forum, forum_id)
    unit = db_session.get(Unit, forum.unit_id) if forum else None
    if forum is None or unit is None or not actor.reaches(unit.path):
        raise NotFound("forum")
    return forum


def list_in_reach(*, db_session: Session, actor: Actor) -> list[Forum]:
    reach = [
        u.id
        for u in db_session.exec(select(Unit).where(col(Unit.path).startswith(actor.unit_path)))
    ]
    return list(
        db_session.exec(
            select(Forum).where(col(Forum.unit_id).in_(reach)).order_by(col(Forum.starts_at).desc())
        )
    )


def by_code(*, db_session: Session, code: str) -> Forum:
    forum = db_session.exec(select(Forum).where(Forum.code == code.strip().lower())).first()
    if forum is None:
        raise NotFound("forum")
    return forum


def to_public(db_session: Session, forum: Forum, now: dt.datetime | None = None) -> ForumPublic:
    unit = db_session.get(Unit, forum.unit_id)
    return ForumPublic(
        code=forum.code,
        title=forum.title,
        unit_code=unit.code,
        unit_name=unit.name,
        venue=forum.venue,
        starts_at=aware(forum.starts_at),
        closes_at=aware(forum.closes_at),
        topics=topics(forum),
        open=is_open(forum, now),
    )


def open_for_citizen(
    *, db_session: Session, citizen_ref: str, now: dt.datetime | None = None
) -> list[Forum]:
    """Open forums of the citizen's commune and of the units above it (a province forum
    concerns every commune). The citizen's commune is the one they subscribed from and the one
    they let us remember when reporting (either may be unknown; both may be given)."""
    now = now or utcnow()
    unit_ids = [
        *db_session.exec(
            select(Subscription.unit_id).where(Subscription.citizen_ref == citizen_ref)
        ),
        *db_session.exec(
            select(RememberedUnit.unit_id).where(RememberedUnit.citizen_ref == citizen_ref)
        ),
    ]
    ancestors: set[int] = set()
    for unit_id in unit_ids:
        unit = db_session.get(Unit, unit_id)
        if unit is not None:
            ancestors.add(unit.id)
            ancestors.update(int(p) for p in unit.path.strip("/").split("/") if p.isdigit())
    if not ancestors:
        return []
    rows = db_session.exec(
        select(Forum)
        .where(col(Forum.unit_id).in_(sorted(ancestors)))
        .where(*windows.open_at(Forum, now))
        .order_by(col(Forum.closes_at))
    )
    return list(rows)


def submit_opinion(
    *,
    db_session: Session,
    settings: Settings,
    code: str,
    data: ForumOpinionCreate,
    now: dt.datetime | None = None,
) -> Submission:
    """Accept a citizen's opinion for a forum: a submission of kind opinion, routed to the
    forum's unit, linked to the forum. The same idempotency key gives the same receipt."""
    forum = by_code(db_session=db_session, code=code)
    if data.idempotency_key:
        existing = db_session.exec(
            select(Submission).where(Submission.idempotency_key == data.idempotency_key)
        ).first()
        if existing is not None:
            return existing
    if not is_open(forum, now):
        raise ForumClosed("diễn đàn không nhận ý kiến vào lúc này")
    unit = db_session.get(Unit, forum.unit_id)
    submission = submissions.create(
        db_session=db_session,
        settings=settings,
        data=SubmissionCreate(
            kind="opinion",
            citizen_ref=data.citizen_ref,
            channel=data.channel,
            unit_code=unit.code,
            topic=(data.topic or forum.title)[:120],
            text=data.text,
            anonymity=data.anonymity,
            contact_name=data.contact_name,
            idempotency_key=data.idempotency_key,
        ),
    )
    if db_session.get(ForumOpinion, submission.id) is None:
        db_session.add(ForumOpinion(submission_id=submission.id, forum_id=forum.id))
        db_session.commit()
    return submission


def opinions(
    *,
    db_session: Session,
    actor: Actor,
    forum_id: int,
    q: str | None = None,
    theme_id: int | None = None,
    answered: bool | None = None,
) -> list[tuple[ForumOpinion, Submission]]:
    actor.require(Action.VIEW_SUBMISSIONS)
    forum = get_in_reach(db_session=db_session, actor=actor, forum_id=forum_id)
    rows = list(
        db_session.exec(
            select(ForumOpinion, Submission)
            .join(Submission, col(Submission.id) == ForumOpinion.submission_id)
            .where(ForumOpinion.forum_id == forum.id)
            .order_by(col(Submission.id))
        )
    )
    themes = {t.id: t for t in list_themes(db_session=db_session, forum_id=forum.id)}
    if theme_id is not None:
        rows = [(link, s) for link, s in rows if link.theme_id == theme_id]
    if answered is not None:
        rows = [(link, s) for link, s in rows if (effective(link, themes) is not None) == answered]
    if q:
        needle = grouping.fold(q)
        rows = [(link, s) for link, s in rows if needle in grouping.fold(s.text)]
    return rows


def list_themes(*, db_session: Session, forum_id: int) -> list[ForumTheme]:
    return list(
        db_session.exec(
            select(ForumTheme).where(ForumTheme.forum_id == forum_id).order_by(col(ForumTheme.id))
        )
    )


def effective(link: ForumOpinion, themes: dict[int, ForumTheme]) -> tuple[str, str] | None:
    """The response that answers this opinion: its own, else its theme's; None if neither."""
    if link.response and link.response_text:
        return link.response, link.response_text
    theme = themes.get(link.theme_id) if link.theme_id else None
    if theme and theme.response and theme.response_text:
        return theme.response, theme.response_text
    return None


def group_opinions(
    *,
    db_session: Session,
    actor: Actor,
    forum_id: int,
    threshold: float = grouping.DEFAULT_THRESHOLD,
) -> int:
    """Place every opinion not yet in a theme into a similar theme or a new one; returns how
    many themes were created. Themes officers made or edited are kept as they are."""
    actor.require(Action.TRIAGE)
    forum = get_in_reach(db_session=db_session, actor=actor, forum_id=forum_id)
    rows = opinions(db_session=db_session, actor=actor, forum_id=forum.id)
    members: dict[int, list[str]] = {}
    for link, s in rows:
        if link.theme_id:
            members.setdefault(link.theme_id, []).append(s.text)
    loose = [(s.id, s.text) for link, s in rows if not link.theme_id]
    placed = grouping.group(loose, themes=members, threshold=threshold)
    created: dict[str, ForumTheme] = {}
    texts = dict(loose)
    for link, _s in rows:
        target = placed.get(link.submission_id)
        if target is None:
            continue
        if isinstance(target, str):
            if target not in created:
                created[target] = ForumTheme(
                    forum_id=forum.id, title=_title(texts[link.submission_id])
                )
                db_session.add(created[target])
                db_session.flush()
            link.theme_id = created[target].id
        else:
            link.theme_id = target
        db_session.add(link)
    db_session.commit()
    return len(created)


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:119] + "…"


def _theme_in_reach(db_session: Session, actor: Actor, theme_id: int) -> ForumTheme:
    theme = db_session.get(ForumTheme, theme_id)
    if theme is None:
        raise NotFound("theme")
    get_in_reach(db_session=db_session, actor=actor, forum_id=theme.forum_id)
    return theme


def merge(*, db_session: Session, actor: Actor, into_id: int, theme_ids: list[int]) -> ForumTheme:
    """Move every opinion of `theme_ids` into `into_id` and drop the emptied themes."""
    actor.require(Action.TRIAGE)
    into = _theme_in_reach(db_session, actor, into_id)
    for theme_id in theme_ids:
        if theme_id == into.id:
            continue
        theme = _theme_in_reach(db_session, actor, theme_id)
        if theme.forum_id != into.forum_id:
            raise ForumError("chỉ gộp được các nhóm của cùng một diễn đàn")
        for link in db_session.exec(select(ForumOpinion).where(ForumOpinion.theme_id == theme.id)):
            link.theme_id = into.id
            db_session.add(link)
        db_session.flush()
        db_session.delete(theme)
    db_session.commit()
    return into


def split(*, db_session: Session, actor: Actor, submission_id: int) -> ForumTheme:
    """Take one opinion out of its theme into a theme of its own."""
    actor.require(Action.TRIAGE)
    link = db_session.get(ForumOpinion, submission_id)
    if link is None:
        raise NotFound("opinion")
    get_in_reach(db_session=db_session, actor=actor, forum_id=link.forum_id)
    submission = db_session.get(Submission, submission_id)
    theme = ForumTheme(forum_id=link.forum_id, title=_title(submission.text))
    db_session.add(theme)
    db_session.flush()
    link.theme_id = theme.id
    db_session.add(link)
    db_session.commit()
    return theme


def respond_theme(
    *,
    db_session: Session,
    actor: Actor,
    theme_id: int,
    response: str,
    text: str,
    title: str | None = None,
) -> ForumTheme:
    actor.require(Action.TRIAGE)
    theme = _theme_in_reach(db_session, actor, theme_id)
    theme.response = Response(response)
    theme.response_text = text.strip()
    theme.answered_at = utcnow()
    if title and title.strip():
        theme.title = title.strip()[:300]
    db_session.add(theme)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="forum.respond",
        entity_type="forum",
        entity_id=theme.forum_id,
        after={"theme_id": theme.id, "response": str(theme.response)},
    )
    db_session.commit()
    return theme


def respond_opinion(
    *, db_session: Session, actor: Actor, submission_id: int, response: str, text: str
) -> ForumOpinion:
    actor.require(Action.TRIAGE)
    link = db_session.get(ForumOpinion, submission_id)
    if link is None:
        raise NotFound("opinion")
    get_in_reach(db_session=db_session, actor=actor, forum_id=link.forum_id)
    link.response = Response(response)
    link.response_text = text.strip()
    link.answered_at = utcnow()
    db_session.add(link)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="forum.respond",
        entity_type="forum",
        entity_id=link.forum_id,
        after={"submission_id": submission_id, "response": str(link.response)},
    )
    db_session.commit()
    return link


def public_url(settings: Settings, forum: Forum) -> str:
    return f"{settings.public_url.rstrip('/')}/forums/{forum.code}" if settings.public_url else ""


def publish(*, db_session: Session, actor: Actor, settings: Settings, forum_id: int) -> int:
    """Send every answered, not yet published opinion its answer through the outbox, then one
    summary to each participant; the opinions are closed as resolved with the answer as their
    public reply. Returns how many answers were queued. Publishing again sends only new ones."""
    actor.require(Action.TRIAGE)
    forum = get_in_reach(db_session=db_session, actor=actor, forum_id=forum_id)
    themes = {t.id: t for t in list_themes(db_session=db_session, forum_id=forum.id)}
    rows = opinions(db_session=db_session, actor=actor, forum_id=forum.id)
    now = utcnow()
    sent = 0
    participants: list[str] = []
    for link, submission in rows:
        answer = effective(link, themes)
        if answer is None or link.published_at is not None:
            continue
        response, text = answer
        outbox.enqueue(
            db_session=db_session,
            citizen_ref=submission.citizen_ref,
            intent=f"notice.forum_answer.{response}",
            params={"title": forum.title, "code": submission.tracking_code, "text": text},
            purpose="forum_answer",
            submission_id=submission.id,
        )
        submission.public_reply = text
        submission.status = Status.RESOLVED
        submission.closed_at = now
        submission.updated_at = now
        link.published_at = now
        db_session.add(submission)
        db_session.add(link)
        sent += 1
        if submission.citizen_ref not in participants:
            participants.append(submission.citizen_ref)
    url = public_url(settings, forum)
    summary = {
        "title": forum.title,
        "opinions": len(rows),
        "themes": len({link.theme_id for link, _ in rows if link.theme_id}),
    }
    if url:
        summary["url"] = url
    for citizen_ref in participants:
        outbox.enqueue(
            db_session=db_session,
            citizen_ref=citizen_ref,
            intent=SUMMARY_INTENT[bool(url)],
            params=summary,
            purpose="forum_summary",
        )
    forum.published_at = now
    db_session.add(forum)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="forum.publish",
        entity_type="forum",
        entity_id=forum.id,
        after={"answers": sent, "participants": len(participants)},
    )
    db_session.commit()
    return sent


def public_themes(*, db_session: Session, forum: Forum) -> list[dict]:
    """The public page's content: each answered theme's title, response and opinion count, and
    nothing about who spoke (no names, no references, no tracking codes, no opinion text).

    A theme's first title is its first opinion's text (what grouping gives it); until an
    officer writes a title of their own, the page calls it "Nhóm ý kiến N", since a citizen's
    words may name a house, a neighbour or themselves."""
    counts: dict[int, int] = {}
    citizens_words: dict[int, set[str]] = {}
    rows = db_session.exec(
        select(ForumOpinion, Submission.text)
        .join(Submission, col(Submission.id) == ForumOpinion.submission_id)
        .where(ForumOpinion.forum_id == forum.id)
    )
    for link, text in rows:
        if link.theme_id:
            counts[link.theme_id] = counts.get(link.theme_id, 0) + 1
            citizens_words.setdefault(link.theme_id, set()).add(_title(text))
    if not forum.published_at:
        return []
    shown = []
    for n, theme in enumerate(list_themes(db_session=db_session, forum_id=forum.id), start=1):
        if not (theme.response and theme.response_text):
            continue
        own_words = theme.title not in citizens_words.get(theme.id, set())
        shown.append(
            {
                "title": theme.title if own_words else f"Nhóm ý kiến {n}",
                "response": labels.RESPONSE[theme.response],
                "text": theme.response_text,
                "opinions": counts.get(theme.id, 0),
            }
        )
    return shown


def poster(
    *, db_session: Session, settings: Settings, forum: Forum, kind: str, base_url: str = ""
) -> bytes:
    """The forum's A4 poster as "png" or "pdf", its QR code carrying the forum's main link
    (`base_url`: the server's address as the officer's page reached it, when none is set)."""
    from feedback_api.forums import links
    from feedback_api.forums import poster as drawing

    link = links.links_for(settings, forum, base_url=base_url).primary
    if not link:
        raise ForumError(
            "chưa cấu hình đường dẫn: đặt LANGNGHE_TELEGRAM_BOT_USERNAME hoặc LANGNGHE_PUBLIC_URL"
        )
    unit = db_session.get(Unit, forum.unit_id)
    regular, bold = drawing.find_font(settings.poster_font)
    content = drawing.content(forum, unit_name=unit.name, link=link)
    draw = drawing.pdf if kind == "pdf" else drawing.png
    return draw(content, font_file=regular, bold_file=bold)
