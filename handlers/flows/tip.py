"""Tố giác / Báo tin: category → description → where (commune, handlers/flows/where.py) →
photos → anonymity → (name, phone) → review → confirm → tracking code.

Nothing is sent to feedback_api before the citizen presses "Gửi tin"; the code is shown only
after feedback_api has durably accepted the tip. The idempotency key is drawn when the flow
starts, so a confirmation processed twice (a redelivered update) creates one tip.
"""

from __future__ import annotations

import re
import uuid

from feedback_api.submissions.schemas import TIP_CATEGORIES, SubmissionCreate, SubmissionDetails
from handlers.events import Button, EventKind, FileRef, OutboundMessage
from handlers.flows import where
from handlers.flows.ask import channel_of
from handlers.flows.common import (
    Ctx,
    back_button,
    cancel_button,
    message,
    receipt_text,
    submit_or_keep,
    unexpected,
)
from handlers.texts import t

NAME = "tip"
_PHONE = re.compile(r"^\+?[0-9][0-9 .-]{7,18}[0-9]$")
ACCEPTED_MIME = ("image/", "video/", "audio/", "application/pdf")
MEDIA_MIME = ("video/", "audio/")  # their own, larger size limit


def _skip() -> Button:
    return Button(t("tip.skip"), "tip:skip")


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.reset().goto(NAME, "category", key=uuid.uuid4().hex, photos=[])
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    step, data, limits = ctx.state.step, ctx.state.data, ctx.deps.limits
    if step == "category":
        buttons = [Button(t(f"tip.category.{c}"), f"tip:cat:{c}") for c in TIP_CATEGORIES]
        return [message(t("tip.intro"), *buttons, cancel_button(), per_row=2)]
    if step == "describe":
        return [message(t("tip.describe"), cancel_button())]
    if step in where.STEPS:
        return where.prompt(ctx)
    if step == "photos":
        done = Button(t("tip.done"), "tip:done") if data.get("photos") else _skip()
        return [message(t("tip.photos", limit=limits.max_photos), done, cancel_button(), per_row=2)]
    if step == "anonymity":
        return [
            message(
                t("tip.anonymity"),
                Button(t("tip.anon.anonymous"), "tip:anon:anonymous"),
                Button(t("tip.anon.confidential"), "tip:anon:confidential"),
                Button(t("tip.anon.named"), "tip:anon:named"),
                cancel_button(),
            )
        ]
    if step == "name":
        return [message(t("tip.ask_name"), _skip(), cancel_button(), per_row=2)]
    if step == "phone":
        return [message(t("tip.ask_phone"), _skip(), cancel_button(), per_row=2)]
    return [_review(ctx)]


def _review(ctx: Ctx) -> OutboundMessage:
    data = ctx.state.data
    location = data.get("where_typed") or (
        f"{data['latitude']:.5f}, {data['longitude']:.5f}"
        if data.get("latitude") is not None
        else t("not_given")
    )
    identity = t(f"anonymity.{data.get('anonymity', 'anonymous')}")
    if data.get("name") or data.get("phone"):
        identity += f" ({' '.join(filter(None, [data.get('name'), data.get('phone')]))})"
    text = data.get("text", "")
    return message(
        t(
            "tip.review",
            category=t(f"tip.category.{data.get('category', 'other')}"),
            text=text if len(text) <= 500 else text[:500] + "…",
            unit=data.get("unit_label") or t("where.not_known"),
            location=location,
            photos=len(data.get("photos", [])) or t("none"),
            anonymity=identity,
        ),
        Button(t("tip.confirm"), "tip:send"),
        cancel_button(),
        per_row=2,
    )


def _goto(ctx: Ctx, step: str) -> list[OutboundMessage]:
    ctx.state.goto(NAME, step)
    return prompt(ctx)


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    step, event, data = ctx.state.step, ctx.event, ctx.state.data
    button = event.data if event.kind == EventKind.BUTTON else None
    if button == "tip:send" and step == "review":
        return await _submit(ctx)
    if step == "category" and button and button.startswith("tip:cat:"):
        category = button.removeprefix("tip:cat:")
        if category in TIP_CATEGORIES:
            data["category"] = category
            return _goto(ctx, "describe")
    elif event.kind == EventKind.EDITED:
        return _edited(ctx)
    elif step == "describe" and event.kind in (EventKind.PHOTO, EventKind.FILE) and event.file:
        # Evidence sent before the words: keep it; its caption can be the description.
        refused = _store_file(ctx, event.file)
        if refused is not None:
            return [refused, *prompt(ctx)]
        if len(ctx.text) >= ctx.deps.limits.min_tip_chars:
            _describe(ctx, ctx.text)
            return await where.enter(ctx, NAME, question="where.tip", about=ctx.text)
        return [message(t("tip.file_kept_describe")), *prompt(ctx)]
    elif step == "describe" and event.kind == EventKind.TEXT:
        text = ctx.text
        if len(text) > ctx.deps.limits.max_text_chars:
            return [message(t("too_long", limit=ctx.deps.limits.max_text_chars)), *prompt(ctx)]
        if len(text) < ctx.deps.limits.min_tip_chars:
            return [message(t("tip.describe_more")), *prompt(ctx)]
        _describe(ctx, text)
        return await where.enter(ctx, NAME, question="where.tip", about=text)
    elif step in where.STEPS:
        if event.kind == EventKind.LOCATION and ctx.text:  # a venue: its name and address
            data["where_typed"] = ctx.text[:500]
        _keep_details(ctx)  # a shared venue's name and address, for the officer
        return await where.handle(ctx, _after_where)
    elif step == "photos":
        if event.kind in (EventKind.PHOTO, EventKind.FILE) and event.file is not None:
            return _add_photo(ctx, event.file)
        if event.kind == EventKind.TEXT and ctx.text:  # more words: they belong to the tip
            _add_text(ctx, ctx.text)
            return [message(t("tip.text_added")), *prompt(ctx)]
        if button in ("tip:done", "tip:skip"):
            return _goto(ctx, "anonymity")
    elif step == "anonymity" and button and button.startswith("tip:anon:"):
        level = button.removeprefix("tip:anon:")
        if level in ("anonymous", "confidential", "named"):
            data["anonymity"] = level
            if level == "anonymous":
                data.pop("name", None)
                data.pop("phone", None)
                return _goto(ctx, "review")
            return _goto(ctx, "name")
    elif step == "name":
        if event.kind == EventKind.TEXT and ctx.text:
            data["name"] = ctx.text[:200]
            return _goto(ctx, "phone")
        if button == "tip:skip":
            return _goto(ctx, "phone")
    elif step == "phone":
        phone = event.phone if event.kind == EventKind.CONTACT else ctx.text
        if event.kind in (EventKind.TEXT, EventKind.CONTACT) and phone:
            if not _PHONE.match(phone.strip()):
                return [message(t("tip.bad_phone"), _skip(), cancel_button(), per_row=2)]
            data["phone"] = phone.strip()
            return _goto(ctx, "review")
        if button == "tip:skip":
            return _goto(ctx, "review")
    return unexpected(ctx, prompt(ctx))


async def _after_where(ctx: Ctx) -> list[OutboundMessage]:
    return _goto(ctx, "photos")


def _keep_details(ctx: Ctx) -> None:
    """Links hidden behind text, a forward's origin, a venue: kept for the officer."""
    extra = ctx.event.details or {}
    details = ctx.state.data.setdefault("details", {})
    details.setdefault("links", []).extend(extra.get("links", []))
    if extra.get("forwarded_from"):
        details.setdefault("forwarded_from", []).append(extra["forwarded_from"])
    if extra.get("venue"):
        details["venue"] = extra["venue"]


def _describe(ctx: Ctx, text: str) -> None:
    """The description, and which message it came from (so the citizen can correct it)."""
    ctx.state.data["text"] = text
    ctx.state.data["text_message"] = ctx.event.message_id
    _keep_details(ctx)
    _remember_message(ctx)


def _add_text(ctx: Ctx, text: str) -> None:
    """A caption or more words after the description: appended, never dropped."""
    data = ctx.state.data
    room = ctx.deps.limits.max_text_chars - len(data.get("text", "")) - 2
    if room > 0:
        data["text"] = (data.get("text", "") + "\n\n" + text[:room]).strip()
    _keep_details(ctx)
    _remember_message(ctx)


def _remember_message(ctx: Ctx) -> None:
    if ctx.event.message_id:
        ids = ctx.state.data.setdefault("details", {}).setdefault("message_ids", [])
        if ctx.event.message_id not in ids:
            ids.append(ctx.event.message_id)


def _edited(ctx: Ctx) -> list[OutboundMessage]:
    """The citizen corrected their description before sending: the draft takes the new text."""
    data = ctx.state.data
    if ctx.event.message_id and ctx.event.message_id == data.get("text_message"):
        text = ctx.text
        if ctx.deps.limits.min_tip_chars <= len(text) <= ctx.deps.limits.max_text_chars:
            data["text"] = text
            return [message(t("tip.edited")), *prompt(ctx)]
    return [message(t("edit.not_applied")), *prompt(ctx)]


def _store_file(ctx: Ctx, file: FileRef) -> OutboundMessage | None:
    """Keep a file for the tip, or say why not (limit, size for its type, type)."""
    limits, photos = ctx.deps.limits, ctx.state.data.setdefault("photos", [])
    if len(photos) >= limits.max_photos:
        return message(
            t("tip.photo_limit", limit=limits.max_photos), Button(t("tip.done"), "tip:done")
        )
    media = bool(file.mime and file.mime.startswith(MEDIA_MIME))
    limit = limits.max_media_bytes if media else limits.max_photo_bytes
    if file.size is not None and file.size > limit:
        return message(
            t("tip.photo_too_large", limit=limit // (1024 * 1024)),
            Button(
                t("tip.done") if photos else t("tip.skip"), "tip:done" if photos else "tip:skip"
            ),
        )
    if file.mime and not file.mime.startswith(ACCEPTED_MIME):
        return message(t("tip.photo_wrong_type"))
    photos.append(
        {"id": file.channel_file_id, "size": file.size, "mime": file.mime, "name": file.name}
    )
    return None


def _add_photo(ctx: Ctx, file: FileRef) -> list[OutboundMessage]:
    refused = _store_file(ctx, file)
    if refused is not None:
        return [refused]
    if ctx.text:  # a caption (an album's, on its first item) is part of the tip
        _add_text(ctx, ctx.text)
    else:
        _keep_details(ctx)
    photos, limits = ctx.state.data["photos"], ctx.deps.limits
    return [
        message(
            t("tip.photo_received", count=len(photos), limit=limits.max_photos),
            Button(t("tip.done"), "tip:done"),
            cancel_button(),
            per_row=2,
        )
    ]


async def _submit(ctx: Ctx) -> list[OutboundMessage]:
    data = ctx.state.data
    receipt = await submit_or_keep(
        ctx,
        SubmissionCreate(
            kind="tip",
            citizen_ref=ctx.citizen_ref,
            channel=channel_of(ctx),
            unit_code=data.get("unit_code"),
            category=data.get("category", "other"),
            text=data["text"],
            location_text=data.get("where_typed"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            anonymity=data.get("anonymity", "anonymous"),
            contact_name=data.get("name"),
            contact_phone=data.get("phone"),
            idempotency_key=f"tip-{data['key']}",
            details=_details(data),
        ),
        data.get("photos", []),
    )
    if receipt is None:  # kept by the bot; the code follows when the API accepts it
        ctx.state.reset()
        return [message(t("submission.kept"), back_button())]
    text = receipt_text("tip.accepted", receipt.tracking_code, receipt.due_at)
    messages = [message(text, back_button())]
    failed, reason = await _upload_photos(ctx, receipt.tracking_code, data.get("photos", []))
    if failed:
        messages.append(message(t("tip.photos_failed", failed=failed, reason=reason)))
    ctx.state.reset()
    return messages


def _details(data: dict) -> SubmissionDetails | None:
    details = data.get("details") or {}
    if not any(details.values()):
        return None
    return SubmissionDetails(
        links=details.get("links", [])[:20],
        forwarded_from=details.get("forwarded_from", [])[:20],
        venue=details.get("venue"),
        message_ids=details.get("message_ids", [])[:50],
    )


async def _upload_photos(ctx: Ctx, code: str, photos: list[dict]) -> tuple[int, str]:
    """Upload after the tip is accepted: a failed photo never loses the tip itself."""
    fetch = ctx.deps.files.get(ctx.event.channel)
    failed, reason = 0, ""
    for index, photo in enumerate(photos, start=1):
        try:
            if fetch is None:
                raise LookupError("kênh này không hỗ trợ tải tệp")
            content = await fetch(
                FileRef(photo["id"], photo.get("size"), photo.get("mime"), photo.get("name"))
            )
            await ctx.deps.api.upload_attachment(
                code,
                content,
                filename=photo.get("name") or f"anh-{index}.jpg",
                content_type=photo.get("mime"),
            )
        except Exception as exc:
            failed += 1
            reason = getattr(exc, "detail", None) or "lỗi tải tệp"
    return failed, reason
