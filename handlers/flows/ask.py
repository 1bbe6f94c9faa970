"""Hỏi đáp pháp luật: a question goes to faq/; a confident match answers, a weak one suggests,
no match offers to send the question to officers (a `question` submission, answered later
through the outbox)."""

from __future__ import annotations

import logging
import uuid

from feedback_api.knowledge.schemas import (
    MAX_UNANSWERED_CHARS,
    AnswerServedCreate,
    UnansweredCreate,
)
from feedback_api.submissions.schemas import SubmissionCreate
from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows import where
from handlers.flows.common import Ctx, back_button, message, receipt_text
from handlers.texts import t

log = logging.getLogger(__name__)

NAME = "ask"
SUGGEST_MIN_SCORE = 0.2
FLOW_BUTTONS = {
    "togiac-toi-pham": ("ask.report_now", "m:tip"),
    "dien-dan": ("ask.give_opinion", "m:opinion"),
}


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.goto(NAME, "question")
    return [message(t("ask.prompt"), back_button())]


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    if ctx.state.step in where.STEPS:
        return where.prompt(ctx)
    return [message(t("ask.prompt"), back_button())]


def _entry_messages(ctx: Ctx, entry_id: str) -> list[OutboundMessage]:
    """The short answer: the title in bold and the summary, then "Xem thêm" for the details.

    A phone shows the whole short answer on one screen; the details (and the legal basis) come
    only when asked for. "Xem thêm" sits on the last message, so channels without buttons offer
    it as a numbered choice too.
    """
    entry = ctx.deps.faq.entry(entry_id)
    if entry is None:
        return [message(t("expired_button")), *prompt(ctx)]
    ctx.state.goto(NAME, "answered", answered=entry_id)
    return [
        OutboundMessage(entry.summary or entry.answer, title=entry.title),
        _helpful(entry_id, more=bool(entry.summary)),
    ]


def _details_messages(ctx: Ctx, entry_id: str) -> list[OutboundMessage]:
    """The details of an entry, ending with its legal basis rendered from the citations."""
    entry = ctx.deps.faq.entry(entry_id)
    if entry is None:
        return [message(t("expired_button")), *prompt(ctx)]
    ctx.state.goto(NAME, "answered", answered=entry_id)
    text = entry.answer
    basis = ctx.deps.faq.legal_basis(entry)
    if basis:
        text += "\n\n" + t("ask.legal_basis", basis="\n".join(f"• {line}" for line in basis))
    return [OutboundMessage(text, title=entry.title), _helpful(entry_id, more=False)]


def _helpful(entry_id: str, *, more: bool) -> OutboundMessage:
    rows: list[tuple[Button, ...]] = []
    if more:
        rows.append((Button(t("ask.more"), f"ask:more:{entry_id}"),))
    rows.append((Button(t("ask.yes"), "ask:fb:y"), Button(t("ask.no"), "ask:fb:n")))
    if entry_id in FLOW_BUTTONS:
        key, data = FLOW_BUTTONS[entry_id]
        rows.append((Button(t(key), data),))
    rows.append((back_button(),))
    return OutboundMessage(t("ask.helpful"), tuple(rows))


async def _served(ctx: Ctx, entry_id: str) -> list[OutboundMessage]:
    """Show an entry's short answer and count it for the leaders' reports: the entry, the
    channel and the commune the citizen let us remember (if any), never who asked. A failure
    to count never costs the citizen their answer."""
    messages = _entry_messages(ctx, entry_id)
    if ctx.deps.faq.entry(entry_id) is None:  # a stale button: nothing was answered
        return messages
    try:
        unit_code = ctx.state.data.get("unit_code")
        await ctx.deps.api.record_answer_served(
            AnswerServedCreate(
                entry_id=entry_id,
                channel=_channel(ctx),
                unit_code=unit_code,
                # Only lets the server find a remembered commune; never stored with the count.
                citizen_ref=None if unit_code else ctx.citizen_ref,
            )
        )
    except Exception:
        log.warning("could not count an FAQ answer served", exc_info=True)
    return messages


async def _record_unanswered(ctx: Ctx, question: str, outcome: str) -> None:
    """Tell the officers who edit the FAQ what it lacks: the question's text and channel only,
    never the citizen's reference; not a message about danger (its story stays with the
    emergency handling). A failure here never costs the citizen their answer."""
    if ctx.deps.faq.is_emergency(question):
        return
    try:
        await ctx.deps.api.record_unanswered(
            UnansweredCreate(
                text=question[:MAX_UNANSWERED_CHARS], channel=_channel(ctx), outcome=outcome
            )
        )
    except Exception:
        log.warning("could not record an unanswered question", exc_info=True)


def _offer_to_send(text_key: str) -> OutboundMessage:
    return message(
        t(text_key),
        Button(t("ask.send_to_officers"), "ask:send"),
        Button(t("ask.rephrase"), "ask:again"),
        back_button(),
    )


async def answer(ctx: Ctx, question: str) -> list[OutboundMessage]:
    """Answer a free-text question (from the ask flow or from the idle state)."""
    ctx.state.goto(NAME, "answered", question=question[: ctx.deps.limits.max_text_chars])
    # The engine has already checked for an emergency and answered it first.
    result = ctx.deps.faq.ask(question, emergency=None)
    if result.small_talk is not None:
        return [message(t(f"smalltalk.{result.small_talk.value}"), back_button())]
    if result.id is not None:
        return await _served(ctx, result.id)
    if result.redirect is not None:
        # Another agency handles this: say who and how to reach them, politely, in one message.
        redirect = result.redirect
        return [
            message(
                t("ask.redirect", agency=redirect.agency, contact=redirect.contact),
                Button(t("ask.rephrase"), "ask:again"),
                back_button(),
            )
        ]
    if result.menu is not None:
        # A short question that fits a family: let the citizen pick rather than guess.
        buttons = [Button(label, f"ask:faq:{entry_id}") for entry_id, label in result.menu.choices]
        return [message(t("ask.menu", topic=result.menu.label), *buttons, back_button())]
    suggestions = [a for a in result.alternatives if a.score >= SUGGEST_MIN_SCORE]
    await _record_unanswered(ctx, question, "weak" if suggestions else "no_match")
    if suggestions:
        buttons = [Button(ctx.deps.faq.entry(a.id).title, f"ask:faq:{a.id}") for a in suggestions]
        return [
            message(
                t("ask.suggest"),
                *buttons,
                Button(t("ask.send_to_officers"), "ask:send"),
                back_button(),
            )
        ]
    return [_offer_to_send("ask.no_match")]


async def _where_they_live(ctx: Ctx) -> list[OutboundMessage]:
    """Before a question goes to officers: which commune's officers (where the citizen lives)."""
    question = ctx.state.data.get("question")
    if not question:
        return [message(t("ask.nothing_to_send")), *prompt(ctx)]
    return await where.enter(ctx, NAME, question="where.question", about=question)


async def _send_to_officers(ctx: Ctx) -> list[OutboundMessage]:
    question = ctx.state.data.get("question")
    if not question:
        return [message(t("ask.nothing_to_send")), *prompt(ctx)]
    data = ctx.state.data
    key = ctx.state.data.setdefault("key", uuid.uuid4().hex)
    receipt = await ctx.deps.api.create_submission(
        SubmissionCreate(
            kind="question",
            citizen_ref=ctx.citizen_ref,
            channel=_channel(ctx),
            unit_code=data.get("unit_code"),
            text=question,
            idempotency_key=f"q-{key}",
        )
    )
    ctx.state.reset()
    text = receipt_text("ask.sent", receipt.tracking_code, receipt.due_at)
    return [message(text, back_button())]


def _channel(ctx: Ctx) -> str:
    return ctx.event.channel if ctx.event.channel in ("telegram", "zalo", "web") else "other"


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    event = ctx.event
    if ctx.state.step in where.STEPS:
        return await where.handle(ctx, _send_to_officers)
    if event.kind == EventKind.BUTTON:
        data = event.data
        if data.startswith("ask:faq:"):
            return await _served(ctx, data.removeprefix("ask:faq:"))
        if data.startswith("ask:more:"):
            return _details_messages(ctx, data.removeprefix("ask:more:"))
        if data == "ask:fb:y":
            ctx.state.reset()
            return [message(t("ask.thanks_feedback"), back_button())]
        if data == "ask:fb:n":
            question = ctx.state.data.get("question")
            if question:
                await _record_unanswered(ctx, question, "unhelpful")
            return [_offer_to_send("ask.no_match")]
        if data == "ask:send":
            return await _where_they_live(ctx)
        if data == "ask:again":
            ctx.state.goto(NAME, "question")
            return [message(t("ask.rephrase_prompt"), back_button())]
        return [message(t("expired_button")), *prompt(ctx)]
    if event.kind != EventKind.TEXT or not ctx.text:
        return [message(t("empty_text")), *prompt(ctx)]
    return await answer(ctx, ctx.text)


channel_of = _channel
