"""Tố giác / Báo tin: category → description → location → photos → anonymity → (name, phone)
→ review → confirm → tracking code.

Nothing is sent to feedback_api before the citizen presses "Gửi tin"; the code is shown only
after feedback_api has durably accepted the tip. The idempotency key is drawn when the flow
starts, so a confirmation processed twice (a redelivered update) creates one tip.
"""

from __future__ import annotations

import re
import uuid

from feedback_api.submissions.schemas import TIP_CATEGORIES, SubmissionCreate
from handlers.events import Button, EventKind, FileRef, OutboundMessage
from handlers.flows.ask import channel_of
from handlers.flows.common import Ctx, back_button, cancel_button, message, unexpected
from handlers.texts import t

NAME = "tip"
_PHONE = re.compile(r"^\+?[0-9][0-9 .-]{7,18}[0-9]$")
ACCEPTED_MIME = ("image/", "video/", "application/pdf")


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
    if step == "location":
        return [
            message(t("tip.location"), _skip(), cancel_button(), per_row=2, request_location=True)
        ]
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
    location = data.get("location_text") or (
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
    elif step == "describe" and event.kind == EventKind.TEXT:
        text = ctx.text
        if len(text) > ctx.deps.limits.max_text_chars:
            return [message(t("too_long", limit=ctx.deps.limits.max_text_chars)), *prompt(ctx)]
        if len(text) < ctx.deps.limits.min_tip_chars:
            return [message(t("tip.describe_more")), *prompt(ctx)]
        data["text"] = text
        return _goto(ctx, "location")
    elif step == "location":
        if event.kind == EventKind.LOCATION and event.latitude is not None:
            data["latitude"], data["longitude"] = event.latitude, event.longitude
            if ctx.text:  # a shared place's name (Zalo sends it with the coordinates)
                data["location_text"] = ctx.text[:500]
            return _goto(ctx, "photos")
        if event.kind == EventKind.TEXT and ctx.text:
            data["location_text"] = ctx.text[:500]
            return _goto(ctx, "photos")
        if button == "tip:skip":
            return _goto(ctx, "photos")
    elif step == "photos":
        if event.kind in (EventKind.PHOTO, EventKind.FILE) and event.file is not None:
            return _add_photo(ctx, event.file)
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


def _add_photo(ctx: Ctx, file: FileRef) -> list[OutboundMessage]:
    limits, photos = ctx.deps.limits, ctx.state.data.setdefault("photos", [])
    if len(photos) >= limits.max_photos:
        return [
            message(
                t("tip.photo_limit", limit=limits.max_photos), Button(t("tip.done"), "tip:done")
            )
        ]
    if file.size is not None and file.size > limits.max_photo_bytes:
        return [
            message(
                t("tip.photo_too_large", limit=limits.max_photo_bytes // (1024 * 1024)),
                Button(
                    t("tip.done") if photos else t("tip.skip"), "tip:done" if photos else "tip:skip"
                ),
            )
        ]
    if file.mime and not file.mime.startswith(ACCEPTED_MIME):
        return [message(t("tip.photo_wrong_type"))]
    photos.append(
        {"id": file.channel_file_id, "size": file.size, "mime": file.mime, "name": file.name}
    )
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
    receipt = await ctx.deps.api.create_submission(
        SubmissionCreate(
            kind="tip",
            citizen_ref=ctx.citizen_ref,
            channel=channel_of(ctx),
            category=data.get("category", "other"),
            text=data["text"],
            location_text=data.get("location_text"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            anonymity=data.get("anonymity", "anonymous"),
            contact_name=data.get("name"),
            contact_phone=data.get("phone"),
            idempotency_key=f"tip-{data['key']}",
        )
    )
    messages = [message(t("tip.accepted", code=receipt.tracking_code), back_button())]
    failed, reason = await _upload_photos(ctx, receipt.tracking_code, data.get("photos", []))
    if failed:
        messages.append(message(t("tip.photos_failed", failed=failed, reason=reason)))
    ctx.state.reset()
    return messages


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
