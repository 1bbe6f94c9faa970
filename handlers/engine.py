"""The conversation engine: one inbound event + the chat's stored state → outbound messages.

Order of precedence for every event, so that the important things always win:
1. a message about danger happening now gets 113/114/115 first (self-harm: a human sentence and
   the lines that help), whatever flow is running; inside a flow the message is then handled as
   usual, so a tip description that mentions danger is not lost. Outside a flow nothing follows
   the numbers: an FAQ guess ("lost wallet?") after "someone is strangling my mother" misleads;
2. commands (/start, /help, /cancel, /menu, /stop) and the menu buttons work from anywhere;
3. the running flow handles the event; with no flow, free text is routed by intent (a tracking
   code, "báo tin", "góp ý"...) or answered as a question.
A failure of a collaborator (the API being down) never loses what the citizen entered: the state
is restored and the citizen is asked to try again.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Callable

from faq.emergency import EmergencyKind
from faq.normalize import normalize
from handlers.events import Button, EventKind, FileRef, InboundEvent, OutboundMessage
from handlers.flows import add, ask, link, opinion, quiz, subscribe, tip, track, where
from handlers.flows.common import Ctx, Deps, clean, menu_message, message
from handlers.state import ConversationState, StaleState, StateStore, now
from handlers.texts import t

log = logging.getLogger(__name__)

FLOWS = {
    "ask": ask,
    "tip": tip,
    "opinion": opinion,
    "track": track,
    "subscribe": subscribe,
    "add": add,
    "quiz": quiz,
}
MENU_STARTS = {
    "m:ask": ask.start,
    "m:tip": tip.start,
    "m:opinion": opinion.start,
    "m:track": track.start,
    "m:sub": subscribe.start,
    "add:start": add.start,
    "m:forums": opinion.open_forums,
}
START_PAYLOADS = {
    "ask": ask.start,
    "tip": tip.start,
    "opinion": opinion.start,
    "track": track.start,
    "sub": subscribe.start,
}
# Short messages that name a flow ("báo tin", "góp ý") start it instead of being FAQ questions.
INTENTS = {
    "tip": ("to giac", "bao tin", "trinh bao", "to cao toi pham", "bao cong an"),
    "opinion": ("gop y", "kien nghi", "phan anh", "dien dan"),
    "track": ("tra cuu", "tra ma", "kiem tra ma", "xem ket qua"),
    "subscribe": ("dang ky nhan tin", "nhan tin tuc", "theo doi tin"),
    "add": ("bo sung thong tin", "bo sung tin bao", "bo sung"),
}
INTENT_MAX_WORDS = 5
SAVE_ATTEMPTS = 3


def _draft_files(state: ConversationState) -> set[str]:
    photos = state.data.get("photos") if isinstance(state.data, dict) else None
    return {
        str(p["id"]) for p in photos or () if isinstance(p, dict) and isinstance(p.get("id"), str)
    }


def _intent(text: str) -> str | None:
    folded = normalize(text)
    if not folded or len(folded.split()) > INTENT_MAX_WORDS:
        return None
    for flow, phrases in INTENTS.items():
        if any(f" {p} " in f" {folded} " for p in phrases):
            return flow
    return None


class Engine:
    def __init__(self, deps: Deps, store: StateStore):
        self.deps = deps
        self.store = store

    async def handle(
        self,
        event: InboundEvent,
        *,
        save_with: Callable[[list[OutboundMessage]], object] | None = None,
    ) -> list[OutboundMessage]:
        """Handle one event and persist the chat's next state (optimistic, retried).

        `save_with(messages)`: what the channel wants stored atomically with the state (the
        Telegram adapter stores the replies owed, so a crash can neither lose nor repeat them);
        it is handed to the store's save as `also`."""
        if self.deps.refresh_faq is not None:
            await self.deps.refresh_faq()
        messages: list[OutboundMessage] = []
        for _attempt in range(SAVE_ATTEMPTS):
            state, version = await self.store.load(event.channel, event.chat_id)
            held = _draft_files(state)
            messages = await self.step(event, state)
            state.updated_at = now().isoformat()
            extra = {"also": save_with(messages)} if save_with is not None else {}
            try:
                await self.store.save(event.channel, event.chat_id, state, version, **extra)
            except StaleState:
                continue  # another process moved this chat on: handle against its state
            await self._release(event.channel, held - _draft_files(state))
            return messages
        log.warning("could not save state for %s:%s", event.channel, event.chat_id)
        return messages

    async def step(self, event: InboundEvent, state: ConversationState) -> list[OutboundMessage]:
        """The pure part: messages for this event; `state` is updated in place."""
        before = copy.deepcopy(state)
        ctx = Ctx(event=event, state=state, deps=self.deps)
        try:
            ctx.event = self._numbered_choice(event, state)
            messages = await self._route(ctx)
        except Exception:
            log.exception("failed to handle %s event on %s", event.kind, event.channel)
            state.__dict__.update(copy.deepcopy(before.__dict__))
            messages = [message(t("error_later")), *self._prompt(ctx)]
        if not messages:  # never leave a citizen without a reply
            messages = [menu_message()]
        last = [b for row in messages[-1].buttons for b in row]
        state.choices = [b.data for b in last]
        state.labels = [b.label for b in last]
        return messages

    @staticmethod
    def _numbered_choice(event: InboundEvent, state: ConversationState) -> InboundEvent:
        """A choice typed instead of pressed: "2" on channels without buttons means the second
        choice of the last message, and a button's label typed (or tapped on a keyboard that
        sends labels as text, like Telegram's reply keyboards) means that button."""
        if event.kind != EventKind.TEXT or not state.choices:
            return event
        text = clean(event.text)
        index = -1
        if text.isascii() and text.isdigit():
            index = int(text) - 1
        elif text in state.labels:
            index = state.labels.index(text)
        if 0 <= index < len(state.choices):
            return InboundEvent(
                event.channel,
                event.chat_id,
                EventKind.BUTTON,
                data=state.choices[index],
                event_id=event.event_id,
            )
        return event

    async def _route(self, ctx: Ctx) -> list[OutboundMessage]:
        event, state = ctx.event, ctx.state
        notice: list[OutboundMessage] = []
        limit = dt.timedelta(minutes=self.deps.limits.idle_expiry_minutes)
        if state.flow and state.idle_for(now()) > limit:
            state.reset()
            notice = [message(t("session_expired"))]
        if event.kind == EventKind.START:
            return notice + await self._start(ctx)
        if event.kind == EventKind.COMMAND:
            return notice + await self._command(ctx)
        if event.kind == EventKind.TEXT and subscribe.is_stop_request(ctx.text):
            return notice + await subscribe.stop(ctx)  # opt-out wins wherever the citizen is
        if event.kind == EventKind.TEXT and link.code_in(ctx.text) is not None:
            return notice + await link.redeem(ctx, link.code_in(ctx.text) or "")
        if event.kind == EventKind.EDITED:
            drafting = state.flow == "tip" and event.message_id == state.data.get("text_message")
            if not drafting:  # an edit of something already sent: a correction for the officer
                return notice + await add.correction(ctx)
        if event.kind == EventKind.TEXT:
            kind = self.deps.faq.emergency_kind(ctx.text) if ctx.text else None
            if kind is not None:
                if state.flow not in FLOWS or state.flow == ask.NAME:
                    state.reset()
                    return [*notice, self._emergency(state, kind)]
                # Inside a flow the message is still handled after the numbers: nothing is lost.
                notice = [*notice, self._emergency(state, kind)]
            if len(ctx.text) > self.deps.limits.max_text_chars:
                too_long = message(t("too_long", limit=self.deps.limits.max_text_chars))
                return [*notice, too_long, *self._prompt(ctx)]
        if event.kind == EventKind.BUTTON:
            handled = await self._global_button(ctx)
            if handled is not None:
                return notice + handled
        # Asking is conversational: new free text after an answer is routed like any first
        # message (a tracking code, "báo tin", or the next question).
        free_text_after_answer = (
            state.flow == "ask" and event.kind == EventKind.TEXT and state.step not in where.STEPS
        )
        if state.flow in FLOWS and not free_text_after_answer:
            return notice + await FLOWS[state.flow].handle(ctx)
        return notice + await self._idle(ctx)

    async def _release(self, channel: str, file_ids: set[str]) -> None:
        """Files no draft refers to any more: sent (the original is sealed server-side now) or
        abandoned (cancel, restart, expiry). The channel deletes its copy."""
        release = self.deps.release.get(channel)
        for file_id in sorted(file_ids) if release else ():
            try:
                await release(FileRef(file_id))
            except Exception:
                log.exception("could not release file %s on %s", file_id, channel)

    def _prompt(self, ctx: Ctx) -> list[OutboundMessage]:
        flow = FLOWS.get(ctx.state.flow or "")
        return flow.prompt(ctx) if flow else [menu_message()]

    def _emergency(self, state: ConversationState, kind: EmergencyKind) -> OutboundMessage:
        if state.flow:
            buttons = [Button(t("emergency.back"), "em:back")]
        elif kind == EmergencyKind.DANGER:
            buttons = [Button(t("emergency.report"), "m:tip")]
        else:
            buttons = []
        key = "emergency.self_harm" if kind == EmergencyKind.SELF_HARM else "emergency"
        return message(t(key), *buttons, Button(t("menu.back"), "m:menu"))

    async def _start(self, ctx: Ctx) -> list[OutboundMessage]:
        payload = clean(ctx.event.data)[:64]
        ctx.state.reset()
        if payload in START_PAYLOADS:
            return await START_PAYLOADS[payload](ctx)
        if payload.startswith(opinion.FORUM_PREFIX) and len(payload) > len(opinion.FORUM_PREFIX):
            return await opinion.start_forum(ctx, payload.removeprefix(opinion.FORUM_PREFIX))
        if payload.startswith(quiz.PREFIX) and len(payload) > len(quiz.PREFIX):
            return await quiz.start(ctx, payload.removeprefix(quiz.PREFIX))
        if payload.startswith("track_") and track.find_code(payload.removeprefix("track_")):
            return await track.lookup(ctx, payload.removeprefix("track_"))
        flow, _, unit_code = payload.partition("_")
        if flow in START_PAYLOADS and flow not in ("track", "sub") and unit_code:
            # A link of one unit (a commune's forum, its poster): "don't know where" goes there.
            messages = await START_PAYLOADS[flow](ctx)
            ctx.state.data["entry_unit"] = unit_code[:32]
            return messages
        # No payload, or one we do not know (forged or outdated links): a normal welcome.
        return [message(t("welcome")), menu_message()]

    async def _command(self, ctx: Ctx) -> list[OutboundMessage]:
        command = ctx.event.data.lower()
        if command == "help":
            return [message(t("help")), menu_message()]
        if command == "cancel":
            ctx.state.reset()
            return [message(t("cancelled")), menu_message()]
        if command == "stop":
            return await subscribe.stop(ctx)
        if command == "forget":
            await self.deps.api.forget_unit(ctx.citizen_ref)
            return [message(t("where.forgotten")), menu_message()]
        if command == "lienket":
            return await link.redeem(ctx, ctx.event.text)
        if command == "start":
            return await self._start(ctx)
        ctx.state.reset()
        return [menu_message()]

    async def _global_button(self, ctx: Ctx) -> list[OutboundMessage] | None:
        data = ctx.event.data
        if data == "m:menu":
            ctx.state.reset()
            return [menu_message()]
        if data in MENU_STARTS:
            return await MENU_STARTS[data](ctx)
        if data == "x:cancel":
            ctx.state.reset()
            return [message(t("cancelled")), menu_message()]
        if data == "em:back":
            return self._prompt(ctx)
        if data == "sub:stop":
            return await subscribe.stop(ctx)
        if data.startswith("fo:"):
            return await opinion.start_forum(ctx, data.removeprefix("fo:"))
        return None

    async def _idle(self, ctx: Ctx) -> list[OutboundMessage]:
        event = ctx.event
        if event.kind == EventKind.BUTTON:
            if event.data.startswith("ask:"):
                return await ask.handle(ctx)
            return [message(t("expired_button")), menu_message()]
        if event.kind != EventKind.TEXT:
            return [message(t("not_expected_here")), menu_message()]
        if not ctx.text or not normalize(ctx.text):
            return [message(t("empty_text")), menu_message()]
        code = track.find_code(ctx.text)
        if code:
            return await track.lookup(ctx, code)
        intent = _intent(ctx.text)
        if intent:
            return await FLOWS[intent].start(ctx)
        return await ask.answer(ctx, ctx.text)
