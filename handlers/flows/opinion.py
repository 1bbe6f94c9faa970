"""Góp ý — "Công an lắng nghe ý kiến Nhân dân": topic → text → where (commune) → optional name
→ confirm.

Opened from a forum's link (/start f_<code>) or the list of open forums, the same steps send the
opinion to that forum (routed to its unit, so no "where" step), offering the forum's own topics."""

from __future__ import annotations

import datetime as dt
import uuid

from feedback_api.client import FeedbackApiError, NotFoundError
from feedback_api.forums.schemas import ForumOpinionCreate, ForumPublic
from feedback_api.submissions.schemas import SubmissionCreate
from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows import where
from handlers.flows.ask import channel_of
from handlers.flows.common import (
    Ctx,
    back_button,
    cancel_button,
    menu_message,
    message,
    receipt_text,
    submit_or_keep,
    unexpected,
)
from handlers.texts import t

NAME = "opinion"
TOPICS = ("security", "traffic", "admin", "conduct", "other")
FORUM_PREFIX = "f_"
VIETNAM = dt.timezone(dt.timedelta(hours=7))


async def start_forum(ctx: Ctx, code: str) -> list[OutboundMessage]:
    """Open a forum's opinion flow from its link or the list of open forums."""
    ctx.state.reset()
    try:
        forum = await ctx.deps.api.forum(code)
    except NotFoundError:
        return [message(t("forum.not_found")), menu_message()]
    if not forum.open:
        return [message(t("forum.closed")), menu_message()]
    ctx.state.goto(
        NAME,
        "topic" if forum.topics else "text",
        key=uuid.uuid4().hex,
        forum=forum.code,
        forum_title=forum.title,
        forum_topics=forum.topics,
        forum_header={
            "title": forum.title,
            "unit": forum.unit_name,
            "venue": forum.venue,
            "when": forum.starts_at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y"),
        },
    )
    return prompt(ctx)


async def open_forums(ctx: Ctx) -> list[OutboundMessage]:
    """The open forums of the citizen's commune, one button each."""
    forums = (await ctx.deps.api.open_forums(ctx.citizen_ref)).data
    if not forums:
        return [message(t("forum.none"), Button(t("menu.subscribe"), "m:sub"), back_button())]
    return [message(t("forum.list"), *(_forum_button(f) for f in forums[:8]), back_button())]


def _forum_button(forum: ForumPublic) -> Button:
    label = forum.title if len(forum.title) <= 60 else forum.title[:59] + "…"
    return Button(label, f"fo:{forum.code}")


def _forum_prompt(ctx: Ctx) -> list[OutboundMessage]:
    step, data = ctx.state.step, ctx.state.data
    header = data.get("forum_header", {})
    if step == "topic":
        topics = data.get("forum_topics", [])
        buttons = [Button(topic, f"op:ft:{i}") for i, topic in enumerate(topics)]
        buttons.append(Button(t("forum.other_topic"), f"op:ft:{len(topics)}"))
        return [message(t("forum.intro", **header), *buttons, cancel_button())]
    if step == "text":
        key = "forum.intro_text" if "topic" not in data else "opinion.text"
        return [message(t(key, **header), cancel_button())]
    return []


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.reset().goto(NAME, "topic", key=uuid.uuid4().hex)
    return prompt(ctx)


def _topic_label(data: dict) -> str:
    if data.get("forum"):
        return data.get("topic") or t("forum.other_topic")
    return t(f"opinion.topic.{data.get('topic', 'other')}")


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    step, data = ctx.state.step, ctx.state.data
    if data.get("forum") and step in ("topic", "text"):
        return _forum_prompt(ctx)
    if step == "topic":
        buttons = [Button(t(f"opinion.topic.{topic}"), f"op:topic:{topic}") for topic in TOPICS]
        return [message(t("opinion.intro"), *buttons, cancel_button(), per_row=2)]
    if step == "text":
        return [message(t("opinion.text"), cancel_button())]
    if step in where.STEPS:
        return where.prompt(ctx)
    if step == "name":
        return [
            message(t("opinion.name"), Button(t("tip.skip"), "op:skip"), cancel_button(), per_row=2)
        ]
    text = data.get("text", "")
    return [
        message(
            t(
                "forum.review" if data.get("forum") else "opinion.review",
                title=data.get("forum_title", ""),
                topic=_topic_label(data),
                text=text if len(text) <= 500 else text[:500] + "…",
                unit=data.get("unit_label") or t("where.not_known"),
                name=data.get("name") or t("anonymity.anonymous"),
            ),
            Button(t("opinion.confirm"), "op:send"),
            cancel_button(),
            per_row=2,
        )
    ]


def _goto(ctx: Ctx, step: str) -> list[OutboundMessage]:
    ctx.state.goto(NAME, step)
    return prompt(ctx)


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    step, event, data = ctx.state.step, ctx.event, ctx.state.data
    button = event.data if event.kind == EventKind.BUTTON else None
    if step == "topic" and button and button.startswith("op:ft:") and data.get("forum"):
        index = button.removeprefix("op:ft:")
        topics = data.get("forum_topics", [])
        if index.isdigit() and int(index) <= len(topics):
            if int(index) < len(topics):
                data["topic"] = topics[int(index)]
            return _goto(ctx, "text")
    elif step == "topic" and button and button.startswith("op:topic:"):
        topic = button.removeprefix("op:topic:")
        if topic in TOPICS:
            data["topic"] = topic
            return _goto(ctx, "text")
    elif step == "text" and event.kind == EventKind.TEXT and ctx.text:
        if len(ctx.text) > ctx.deps.limits.max_text_chars:
            return [message(t("too_long", limit=ctx.deps.limits.max_text_chars)), *prompt(ctx)]
        data["text"] = ctx.text
        if data.get("forum"):  # the forum's unit acts on it
            return _goto(ctx, "name")
        return await where.enter(ctx, NAME, question="where.opinion", about=ctx.text)
    elif step in where.STEPS:
        return await where.handle(ctx, _after_where)
    elif step == "name":
        if event.kind == EventKind.TEXT and ctx.text:
            data["name"] = ctx.text[:200]
            return _goto(ctx, "review")
        if button == "op:skip":
            return _goto(ctx, "review")
    elif step == "review" and button == "op:send" and data.get("forum"):
        return await _send_to_forum(ctx)
    elif step == "review" and button == "op:send":
        receipt = await submit_or_keep(
            ctx,
            SubmissionCreate(
                kind="opinion",
                citizen_ref=ctx.citizen_ref,
                channel=channel_of(ctx),
                unit_code=data.get("unit_code"),
                topic=t(f"opinion.topic.{data.get('topic', 'other')}"),
                text=data["text"],
                location_text=data.get("where_typed"),
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                anonymity="named" if data.get("name") else "anonymous",
                contact_name=data.get("name"),
                idempotency_key=f"op-{data['key']}",
            ),
        )
        ctx.state.reset()
        if receipt is None:  # kept by the bot; the code follows when the API accepts it
            return [message(t("submission.kept"), back_button())]
        return [
            message(
                receipt_text("opinion.accepted", receipt.tracking_code, receipt.due_at),
                back_button(),
            )
        ]
    return unexpected(ctx, prompt(ctx))


async def _after_where(ctx: Ctx) -> list[OutboundMessage]:
    return _goto(ctx, "name")


async def _send_to_forum(ctx: Ctx) -> list[OutboundMessage]:
    data = ctx.state.data
    try:
        receipt = await ctx.deps.api.forum_opinion(
            data["forum"],
            ForumOpinionCreate(
                citizen_ref=ctx.citizen_ref,
                channel=channel_of(ctx),
                topic=data.get("topic"),
                text=data["text"],
                anonymity="named" if data.get("name") else "anonymous",
                contact_name=data.get("name"),
                idempotency_key=f"fo-{data['key']}",
            ),
        )
    except FeedbackApiError as exc:
        if exc.status in (404, 409):
            ctx.state.reset()
            return [message(t("forum.closed")), menu_message()]
        raise
    ctx.state.reset()
    return [
        message(
            receipt_text("opinion.accepted", receipt.tracking_code, receipt.due_at), back_button()
        )
    ]
