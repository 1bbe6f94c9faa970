"""Đăng ký nhận tin: choose a commune/ward and topics; /stop or a button unsubscribes."""

from __future__ import annotations

import unicodedata

from rapidfuzz import fuzz, process

from faq.normalize import normalize
from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows.common import Ctx, back_button, message, unexpected
from handlers.texts import t

NAME = "subscribe"
TOPICS = ("security", "traffic", "fraud", "admin", "fire")
LOCAL_KINDS = ("commune", "ward", "special_zone")
MAX_BUTTONS = 8


async def _communes(ctx: Ctx) -> list:
    units = (await ctx.deps.api.units()).data
    local = [u for u in units if u.kind in LOCAL_KINDS]
    return local or units


async def start(ctx: Ctx) -> list[OutboundMessage]:
    ctx.state.reset().goto(NAME, "commune", topics=[])
    return await _commune_prompt(ctx)


async def _commune_prompt(
    ctx: Ctx, units: list | None = None, text_key: str = "sub.commune", **values
) -> list[OutboundMessage]:
    units = units if units is not None else (await _communes(ctx))[:MAX_BUTTONS]
    if not units:
        ctx.state.reset()
        return [message(t("sub.no_units"), back_button())]
    buttons = [Button(u.name, f"sub:u:{u.code}") for u in units]
    return [message(t(text_key, **values), *buttons, back_button())]


def _topics_prompt(ctx: Ctx) -> list[OutboundMessage]:
    chosen = set(ctx.state.data.get("topics", []))
    buttons = [
        Button(("✅ " if topic in chosen else "▫️ ") + t(f"sub.topic.{topic}"), f"sub:t:{topic}")
        for topic in TOPICS
    ]
    return [message(t("sub.topics"), *buttons, Button(t("tip.done"), "sub:done"), back_button())]


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    if ctx.state.step == "topics":
        return _topics_prompt(ctx)
    return [message(t("sub.commune"), back_button())]


async def handle(ctx: Ctx) -> list[OutboundMessage]:
    step, event, data = ctx.state.step, ctx.event, ctx.state.data
    button = event.data if event.kind == EventKind.BUTTON else None
    if step == "commune":
        units = await _communes(ctx)
        if button and button.startswith("sub:u:"):
            code = button.removeprefix("sub:u:")
            unit = next((u for u in units if u.code == code), None)
            if unit is not None:
                data.update(unit_code=unit.code, unit_name=unit.name)
                ctx.state.goto(NAME, "topics")
                return _topics_prompt(ctx)
        elif event.kind == EventKind.TEXT and ctx.text:
            names = [normalize(u.name) for u in units]
            found = process.extract(
                normalize(ctx.text),
                names,
                scorer=fuzz.partial_ratio,
                limit=MAX_BUTTONS,
                score_cutoff=70,
            )
            if found:
                return await _commune_prompt(ctx, [units[i] for _, _, i in found])
            return await _commune_prompt(ctx, None, "sub.commune_not_found", name=ctx.text[:60])
    elif step == "topics":
        if button and button.startswith("sub:t:"):
            topic = button.removeprefix("sub:t:")
            if topic in TOPICS:
                chosen = data.setdefault("topics", [])
                chosen.remove(topic) if topic in chosen else chosen.append(topic)
                return _topics_prompt(ctx)
        if button == "sub:done":
            topics = data.get("topics", [])
            if not topics:
                return [message(t("sub.need_topic")), *_topics_prompt(ctx)]
            await ctx.deps.api.subscribe(
                ctx.citizen_ref, unit_code=data["unit_code"], topics=topics
            )
            unit_name = data.get("unit_name", "")
            ctx.state.reset()
            labels = ", ".join(t(f"sub.topic.{topic}") for topic in topics)
            return [
                message(
                    t("sub.done", unit=unit_name, topics=labels),
                    Button(t("sub.stop"), "sub:stop"),
                    back_button(),
                )
            ]
    return unexpected(ctx, prompt(ctx))


# Typed opt-outs honoured anywhere in the conversation. Plain "dung" is not one: without
# diacritics it is also "đúng" (yes), so only the diacritic spelling "dừng" counts.
STOP_WORDS = frozenset(
    {
        "/stop",
        "stop",
        "dừng",
        "dừng lại",
        "dừng nhận tin",
        "ngừng nhận tin",
        "huỷ đăng ký",
        "hủy đăng ký",
        "huỷ đăng kí",
        "hủy đăng kí",
        "huy dang ky",
        "huy dang ki",
        "dung nhan tin",
        "ngung nhan tin",
    }
)


def is_stop_request(text: str) -> bool:
    words = " ".join(unicodedata.normalize("NFC", text or "").lower().split()).strip(" .!")
    return words in STOP_WORDS


async def stop(ctx: Ctx) -> list[OutboundMessage]:
    await ctx.deps.api.unsubscribe(ctx.citizen_ref)
    ctx.state.reset()
    return [message(t("sub.stopped"))]
