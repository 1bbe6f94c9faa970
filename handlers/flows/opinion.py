"""Góp ý — "Công an lắng nghe ý kiến Nhân dân": topic → text → optional name → confirm."""

from __future__ import annotations

import uuid

from feedback_api.submissions.schemas import SubmissionCreate
from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows.ask import channel_of
from handlers.flows.common import (
    Ctx,
    back_button,
    cancel_button,
    message,
    submit_or_keep,
    unexpected,
)
from handlers.texts import t

NAME = "opinion"
TOPICS = ("security", "traffic", "admin", "conduct", "other")


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.reset().goto(NAME, "topic", key=uuid.uuid4().hex)
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    step, data = ctx.state.step, ctx.state.data
    if step == "topic":
        buttons = [Button(t(f"opinion.topic.{topic}"), f"op:topic:{topic}") for topic in TOPICS]
        return [message(t("opinion.intro"), *buttons, cancel_button(), per_row=2)]
    if step == "text":
        return [message(t("opinion.text"), cancel_button())]
    if step == "name":
        return [
            message(t("opinion.name"), Button(t("tip.skip"), "op:skip"), cancel_button(), per_row=2)
        ]
    text = data.get("text", "")
    return [
        message(
            t(
                "opinion.review",
                topic=t(f"opinion.topic.{data.get('topic', 'other')}"),
                text=text if len(text) <= 500 else text[:500] + "…",
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
    if step == "topic" and button and button.startswith("op:topic:"):
        topic = button.removeprefix("op:topic:")
        if topic in TOPICS:
            data["topic"] = topic
            return _goto(ctx, "text")
    elif step == "text" and event.kind == EventKind.TEXT and ctx.text:
        if len(ctx.text) > ctx.deps.limits.max_text_chars:
            return [message(t("too_long", limit=ctx.deps.limits.max_text_chars)), *prompt(ctx)]
        data["text"] = ctx.text
        return _goto(ctx, "name")
    elif step == "name":
        if event.kind == EventKind.TEXT and ctx.text:
            data["name"] = ctx.text[:200]
            return _goto(ctx, "review")
        if button == "op:skip":
            return _goto(ctx, "review")
    elif step == "review" and button == "op:send":
        receipt = await submit_or_keep(
            ctx,
            SubmissionCreate(
                kind="opinion",
                citizen_ref=ctx.citizen_ref,
                channel=channel_of(ctx),
                topic=t(f"opinion.topic.{data.get('topic', 'other')}"),
                text=data["text"],
                anonymity="named" if data.get("name") else "anonymous",
                contact_name=data.get("name"),
                idempotency_key=f"op-{data['key']}",
            ),
        )
        ctx.state.reset()
        if receipt is None:  # kept by the bot; the code follows when the API accepts it
            return [message(t("submission.kept"), back_button())]
        return [message(t("opinion.accepted", code=receipt.tracking_code), back_button())]
    return unexpected(ctx, prompt(ctx))
