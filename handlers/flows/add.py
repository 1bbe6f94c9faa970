"""Bổ sung thông tin: the citizen adds words and files to an earlier submission of theirs, by its
tracking code (code → content → send). And corrections: a message the citizen edits after
sending reaches the officer as "citizen corrected", the original kept.

The API checks the submission is this citizen's (same opaque reference), so a guessed code
reveals nothing and adds nothing. The tracking code lives in the state only while the citizen
is adding; it is gone once sent.
"""

from __future__ import annotations

from feedback_api.client import NotFoundError
from feedback_api.submissions.schemas import AdditionCreate
from handlers.events import Button, EventKind, FileRef, OutboundMessage
from handlers.flows import tip
from handlers.flows.common import Ctx, back_button, cancel_button, message, unexpected
from handlers.flows.track import find_code
from handlers.texts import t

NAME = "add"


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.reset().goto(NAME, "code", photos=[], text="")
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    if ctx.state.step == "code":
        return [message(t("add.ask_code"), cancel_button())]
    send = Button(t("add.send"), "add:send")
    if ctx.state.data.get("text") or ctx.state.data.get("photos"):
        return [message(t("add.more"), send, cancel_button(), per_row=2)]
    return [message(t("add.ask_content"), cancel_button())]


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    step, event, data = ctx.state.step, ctx.event, ctx.state.data
    if step == "code" and event.kind == EventKind.TEXT and ctx.text:
        code = find_code(ctx.text)
        if code is None:
            return [message(t("track.bad_code")), *prompt(ctx)]
        data["code"] = code
        ctx.state.goto(NAME, "content")
        return prompt(ctx)
    if step == "content":
        if event.kind == EventKind.BUTTON and event.data == "add:send":
            return await _send(ctx)
        if event.kind == EventKind.TEXT and ctx.text:
            room = ctx.deps.limits.max_text_chars - len(data.get("text", ""))
            data["text"] = (data.get("text", "") + "\n\n" + ctx.text[: max(room, 0)]).strip()
            return prompt(ctx)
        if event.kind in (EventKind.PHOTO, EventKind.FILE) and event.file is not None:
            refused = tip._store_file(ctx, event.file)
            if refused is not None:
                return [refused, *prompt(ctx)]
            if ctx.text:
                data["text"] = (data.get("text", "") + "\n\n" + ctx.text).strip()
            return [message(t("tip.photo_received", count=len(data["photos"]),
                              limit=ctx.deps.limits.max_photos)), *prompt(ctx)]  # fmt: skip
    return unexpected(ctx, prompt(ctx))


async def _send(ctx: Ctx) -> list[OutboundMessage]:
    data = ctx.state.data
    files = data.get("photos", [])
    text = data.get("text") or t("add.files_only", count=len(files))
    try:
        receipt = await ctx.deps.api.add_to_submission(
            AdditionCreate(
                citizen_ref=ctx.citizen_ref, kind="addition", text=text, tracking_code=data["code"]
            )
        )
    except NotFoundError:
        ctx.state.reset()
        return [message(t("add.not_found"), back_button())]
    failed = await _upload(ctx, receipt.tracking_code, files)
    ctx.state.reset()
    messages = [message(t("add.done", code=receipt.tracking_code), back_button())]
    if failed:
        messages.append(message(t("tip.photos_failed", failed=failed, reason="lỗi tải tệp")))
    return messages


async def _upload(ctx: Ctx, code: str, files: list[dict]) -> int:
    fetch = ctx.deps.files.get(ctx.event.channel)
    failed = 0
    for index, file in enumerate(files, start=1):
        try:
            if fetch is None:
                raise LookupError("no file fetcher")
            content = await fetch(
                FileRef(file["id"], file.get("size"), file.get("mime"), file.get("name"))
            )
            await ctx.deps.api.upload_attachment(
                code, content, filename=file.get("name") or f"tep-{index}",
                content_type=file.get("mime"),
            )  # fmt: skip
        except Exception:
            failed += 1
    return failed


async def correction(ctx: Ctx) -> list[OutboundMessage]:
    """An edit of a message that is part of a sent submission: the officer sees the new text
    as "citizen corrected" beside the original."""
    if not ctx.event.message_id or not ctx.text:
        return [message(t("edit.not_applied"))]
    try:
        receipt = await ctx.deps.api.add_to_submission(
            AdditionCreate(
                citizen_ref=ctx.citizen_ref,
                kind="correction",
                text=ctx.text,
                message_id=ctx.event.message_id,
            )
        )
    except NotFoundError:
        return [message(t("edit.not_applied"))]
    return [message(t("edit.sent", code=receipt.tracking_code))]
