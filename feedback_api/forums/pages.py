"""Forum pages: officers create forums, print posters, group opinions into themes, answer and
publish; anyone reads a forum's public page (themes and answers, nobody's personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from feedback_api.clock import VIETNAM
from feedback_api.deps import SessionDep, SettingsDep
from feedback_api.forums import labels, links, service
from feedback_api.forums.schemas import CODE_PATTERN, ForumCreate
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.inbox import _optional_int
from feedback_api.pages.templating import templates
from feedback_api.permissions import Action, NotFound
from feedback_api.units.service import list_units
from feedback_api.wire import DbId

router = APIRouter(include_in_schema=False)
POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}


def _local_moment(value: str) -> dt.datetime | None:
    """A datetime-local field (Vietnam time) as an aware moment; None when unreadable."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


def _base(request: Request) -> str:
    """The server's address as this page reached it: the web chat is served at its root."""
    return str(request.base_url).rstrip("/")


def _back(forum_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/officer/forums/{forum_id}{anchor}", status_code=303)


@router.get("/officer/forums")
def forum_list(request: Request, db: SessionDep, browser: PageSession, error: str | None = None):
    actor = browser.actor
    return page(
        request,
        "forums.html",
        browser,
        forums=service.list_in_reach(db_session=db, actor=actor),
        units=[u for u in list_units(db_session=db) if actor.reaches(u.path)],
        can_create=actor.can(Action.TRIAGE),
        error=error,
        is_open=service.is_open,
    )


@router.post("/officer/forums")
def forum_create(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    title: Annotated[str, Form(max_length=200)] = "",
    unit_id: Annotated[str, Form(max_length=20)] = "",
    venue: Annotated[str, Form(max_length=300)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    opens_at: Annotated[str, Form(max_length=40)] = "",
    closes_at: Annotated[str, Form(max_length=40)] = "",
    topics: Annotated[str, Form(max_length=2000)] = "",
):
    actor = browser.actor
    try:
        data = ForumCreate(
            title=title,
            unit_id=_optional_int(unit_id) or actor.unit_id,
            venue=venue,
            starts_at=_local_moment(starts_at),
            opens_at=_local_moment(opens_at),
            closes_at=_local_moment(closes_at),
            topics=topics.splitlines(),
        )
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return page(
            request,
            "forums.html",
            browser,
            status_code=422,
            forums=service.list_in_reach(db_session=db, actor=actor),
            units=[u for u in list_units(db_session=db) if actor.reaches(u.path)],
            can_create=actor.can(Action.TRIAGE),
            error=f"Thông tin chưa hợp lệ: {reasons}",
            is_open=service.is_open,
        )
    forum = service.create(db_session=db, actor=actor, data=data)
    return _back(forum.id)


@router.get("/officer/forums/{forum_id}")
def forum_detail(
    forum_id: DbId,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    browser: PageSession,
    q: str | None = None,
    theme: str | None = None,
    answered: str | None = None,
):
    actor = browser.actor
    forum = service.get_in_reach(db_session=db, actor=actor, forum_id=forum_id)
    themes = service.list_themes(db_session=db, forum_id=forum.id)
    by_id = {t.id: t for t in themes}
    rows = service.opinions(
        db_session=db,
        actor=actor,
        forum_id=forum.id,
        q=(q or "").strip()[:200] or None,
        theme_id=_optional_int(theme),
        answered={"1": True, "0": False}.get(answered or ""),
    )
    everything = service.opinions(db_session=db, actor=actor, forum_id=forum.id)
    sizes = {t.id: sum(1 for link, _ in everything if link.theme_id == t.id) for t in themes}
    return page(
        request,
        "forum_detail.html",
        browser,
        forum=forum,
        links=links.links_for(settings, forum, base_url=_base(request)),
        public_url=service.public_url(settings, forum) or f"{_base(request)}/forums/{forum.code}",
        themes=themes,
        sizes=sizes,
        rows=[(link, s, service.effective(link, by_id)) for link, s in rows],
        total=len(everything),
        filters={"q": q or "", "theme": theme or "", "answered": answered or ""},
        topics=service.topics(forum),
        RESPONSE=labels.RESPONSE,
        can_triage=actor.can(Action.TRIAGE),
        is_open=service.is_open(forum),
    )


@router.get("/officer/forums/{forum_id}/poster.{kind}")
def forum_poster(
    forum_id: DbId,
    kind: str,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    browser: PageSession,
):
    if kind not in POSTER_TYPES:
        raise NotFound("poster")
    forum = service.get_in_reach(db_session=db, actor=browser.actor, forum_id=forum_id)
    content = service.poster(
        db_session=db, settings=settings, forum=forum, kind=kind, base_url=_base(request)
    )
    return Response(
        content,
        media_type=POSTER_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="dien-dan-{forum.code}.{kind}"'},
    )


@router.post("/officer/forums/{forum_id}/group")
def forum_group(
    forum_id: DbId,
    db: SessionDep,
    browser: PageSession,
    threshold: Annotated[int, Form(ge=0, le=100)] = 60,
):
    service.group_opinions(
        db_session=db, actor=browser.actor, forum_id=forum_id, threshold=threshold
    )
    return _back(forum_id, "#themes")


@router.post("/officer/forums/{forum_id}/merge")
def forum_merge(
    forum_id: DbId,
    db: SessionDep,
    browser: PageSession,
    into: Annotated[DbId, Form()],
    themes: Annotated[list[DbId], Form()],
):
    service.get_in_reach(db_session=db, actor=browser.actor, forum_id=forum_id)
    service.merge(db_session=db, actor=browser.actor, into_id=into, theme_ids=themes)
    return _back(forum_id, "#themes")


@router.post("/officer/forums/{forum_id}/split")
def forum_split(
    forum_id: DbId, db: SessionDep, browser: PageSession, submission_id: Annotated[DbId, Form()]
):
    service.get_in_reach(db_session=db, actor=browser.actor, forum_id=forum_id)
    service.split(db_session=db, actor=browser.actor, submission_id=submission_id)
    return _back(forum_id, "#themes")


Kind = Annotated[str, Form(pattern="^(accept|explain|forward)$")]
Text = Annotated[str, Form(min_length=1, max_length=5000)]


@router.post("/officer/forums/{forum_id}/themes/{theme_id}/respond")
def theme_respond(
    forum_id: DbId,
    theme_id: DbId,
    db: SessionDep,
    browser: PageSession,
    response: Kind,
    text: Text,
    title: Annotated[str, Form(max_length=300)] = "",
):
    service.get_in_reach(db_session=db, actor=browser.actor, forum_id=forum_id)
    service.respond_theme(
        db_session=db,
        actor=browser.actor,
        theme_id=theme_id,
        response=response,
        text=text,
        title=title,
    )
    return _back(forum_id, f"#theme-{theme_id}")


@router.post("/officer/forums/{forum_id}/opinions/{submission_id}/respond")
def opinion_respond(
    forum_id: DbId,
    submission_id: DbId,
    db: SessionDep,
    browser: PageSession,
    response: Kind,
    text: Text,
):
    service.get_in_reach(db_session=db, actor=browser.actor, forum_id=forum_id)
    service.respond_opinion(
        db_session=db,
        actor=browser.actor,
        submission_id=submission_id,
        response=response,
        text=text,
    )
    return _back(forum_id, f"#opinion-{submission_id}")


@router.post("/officer/forums/{forum_id}/publish")
def forum_publish(forum_id: DbId, db: SessionDep, settings: SettingsDep, browser: PageSession):
    service.publish(db_session=db, actor=browser.actor, settings=settings, forum_id=forum_id)
    return RedirectResponse(f"/officer/forums/{forum_id}?published=1", status_code=303)


@router.get("/forums/{code}")
def public_forum(code: str, request: Request, db: SessionDep):
    """The public page: anyone with the link reads the themes and the police's answers."""
    import re

    if not re.fullmatch(CODE_PATTERN, code):
        raise NotFound("forum")
    forum = service.by_code(db_session=db, code=code)
    return templates.TemplateResponse(
        request,
        "public/forum.html",
        {
            "forum": forum,
            "unit": service.to_public(db, forum),
            "themes": service.public_themes(db_session=db, forum=forum),
        },
    )
