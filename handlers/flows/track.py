"""Tra cứu: a tracking code → the status and the officers' public reply."""

from __future__ import annotations

import re

from feedback_api.client import NotFoundError, RateLimitedError
from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows.common import Ctx, back_button, message, unexpected
from handlers.texts import t

NAME = "track"
CODE_IN_TEXT = re.compile(r"\bLN[\s-]?[0-9A-Z]{4}[\s-]?[0-9A-Z]{4}\b", re.IGNORECASE)


def find_code(text: str) -> str | None:
    match = CODE_IN_TEXT.search(text or "")
    return match.group(0) if match else None


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.reset().goto(NAME, "code")
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    return [message(t("track.prompt"), back_button())]


async def lookup(ctx: Ctx, code: str) -> list[OutboundMessage]:
    try:
        status = await ctx.deps.api.status(code, citizen_ref=ctx.citizen_ref)
    except NotFoundError:
        return [message(t("track.not_found", code=code.upper()), back_button())]
    except RateLimitedError:
        return [message(t("track.rate_limited"), back_button())]
    ctx.state.reset()
    text = t(
        "track.status",
        code=status.tracking_code,
        status=status.status_label,
        updated=status.updated_at.strftime("%d/%m/%Y"),
    )
    if status.public_reply:
        text += t("track.reply", reply=status.public_reply)
    return [message(text, Button(t("add.button"), "add:start"), back_button())]


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    if ctx.event.kind == EventKind.TEXT and ctx.text:
        code = find_code(ctx.text) or (ctx.text if len(ctx.text) <= 20 else None)
        if code and re.fullmatch(r"(?i)\s*ln[\s-]?[0-9a-z]{4}[\s-]?[0-9a-z]{4}\s*", code):
            return await lookup(ctx, code.strip())
        return [message(t("track.bad_code"), back_button())]
    return unexpected(ctx, prompt(ctx))
