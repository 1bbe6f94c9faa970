"""What every flow shares: the per-event context, menu buttons, and small helpers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from faq.assistant import Faq
from feedback_api.client import FeedbackApiError
from feedback_api.submissions.schemas import SubmissionCreate, SubmissionReceipt
from handlers.events import Button, EventKind, InboundEvent, OutboundMessage, rows
from handlers.ports import (
    CitizenRefs,
    FeedbackPort,
    FileFetcher,
    FileReleaser,
    SubmissionQueue,
)
from handlers.state import ConversationState
from handlers.texts import t

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def receipt_text(key: str, code: str, due_at: dt.datetime | None = None) -> str:
    """The text of a receipt: what was received and its tracking code (`key`), a line telling
    the citizen to note the code down, and when to expect an answer. The deadline is the one
    the feedback API set for this submission (its kind's rule, its configuration; the
    receipt's `due_at`), so nothing here repeats the rule. Without it the date is left out
    rather than guessed."""
    lines = [t(key, code=code), t("receipt.note")]
    if due_at is not None:
        due = due_at if due_at.tzinfo else due_at.replace(tzinfo=dt.UTC)
        lines.append(t("receipt.due", date=due.astimezone(VIETNAM).strftime("%d/%m/%Y")))
    return "\n\n".join(lines)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 4096  # Telegram's own limit: whatever a client can send fits
    min_tip_chars: int = 10
    max_photos: int = 5
    max_photo_bytes: int = 10 * 1024 * 1024  # photos and documents
    max_media_bytes: int = 20 * 1024 * 1024  # video and audio (Telegram's download limit)
    idle_expiry_minutes: int = 120


@dataclass(frozen=True)
class Deps:
    faq: Faq  # or a handlers.knowledge.LiveFaq, which answers like one
    api: FeedbackPort
    citizen_refs: CitizenRefs
    files: Mapping[str, FileFetcher]
    limits: Limits = Limits()
    queue: SubmissionQueue | None = None  # where a submission waits while the API is down
    # Called before each event: lets the live knowledge base swap in an approved edit.
    refresh_faq: Callable[[], Awaitable[None]] | None = None
    # Per channel: forget a file the citizen sent once no draft refers to it any more (the tip
    # was sent, so the original now lives in the sealed store, or the draft ended).
    release: Mapping[str, FileReleaser] = field(default_factory=dict)


@dataclass
class Ctx:
    """One event being handled: the event, the chat's state, and the collaborators."""

    event: InboundEvent
    state: ConversationState
    deps: Deps

    @cached_property
    def citizen_ref(self) -> str:
        """Looked up once per event (the registry is a database)."""
        return self.deps.citizen_refs(self.event.channel, self.event.chat_id)

    @property
    def text(self) -> str:
        return clean(self.event.text)


def transient(error: Exception) -> bool:
    """The API could not take it now (unreachable, 5xx, 429); a 4xx refusal is final."""
    if isinstance(error, FeedbackApiError):
        return error.status >= 500 or error.status == 429
    return True


async def submit_or_keep(
    ctx: Ctx, data: SubmissionCreate, files: list[dict] | None = None
) -> SubmissionReceipt | None:
    """Send a confirmed submission; if the API cannot take it now, hand it to the durable
    queue (None: kept, the citizen gets the code when it is accepted). Nothing is lost."""
    try:
        return await ctx.deps.api.create_submission(data)
    except Exception as error:
        if ctx.deps.queue is None or not transient(error):
            raise
        await ctx.deps.queue.keep(channel=ctx.event.channel, data=data, files=files or [])
        return None


def clean(text: str) -> str:
    return _CONTROL.sub("", text or "").strip()


def menu_buttons() -> tuple[tuple[Button, ...], ...]:
    return rows(
        Button(t("menu.ask"), "m:ask"),
        Button(t("menu.tip"), "m:tip"),
        Button(t("menu.opinion"), "m:opinion"),
        Button(t("menu.track"), "m:track"),
        Button(t("menu.subscribe"), "m:sub"),
        Button(t("menu.forums"), "m:forums"),
    )


def menu_message(text: str | None = None) -> OutboundMessage:
    return OutboundMessage(text or t("menu"), menu_buttons())


def back_button() -> Button:
    return Button(t("menu.back"), "m:menu")


def cancel_button() -> Button:
    return Button(t("tip.cancel"), "x:cancel")


def unexpected(ctx: Ctx, prompt: list[OutboundMessage]) -> list[OutboundMessage]:
    """The reply when an event does not fit the step: say why, then ask the step again."""
    if ctx.event.kind == EventKind.BUTTON:
        key = "expired_button"
    elif ctx.event.kind == EventKind.TEXT and not ctx.text:
        key = "empty_text"
    else:
        key = "not_expected_here"
    return [message(t(key)), *prompt]


def message(
    text: str, *buttons: Button, per_row: int = 1, request_location: bool = False
) -> OutboundMessage:
    return OutboundMessage(
        text, rows(*buttons, per_row=per_row) if buttons else (), request_location=request_location
    )
