"""Where did it happen / where do you live: the step that routes a submission to its commune.

Shared by the tip, opinion and ask flows. Options in order of convenience:
1. a commune named in what the citizen already wrote (proposed first), then the commune they
   asked us to remember last time;
2. a typed name ("p hoa binh"), matched by feedback_api without diacritics and with typos;
   two communes sharing a name are asked about, with their province;
3. a shared location: the commune whose boundary contains it (else the nearest centre), which
   the citizen confirms;
4. "Không rõ / không muốn nói": the unit the citizen came in through (a forum link), else the
   province.
After a choice the citizen may let us remember the commune (consent, asked only when it
differs from the one remembered). Nothing typed is lost: a typed place is kept as the
submission's location text, and a shared location as its coordinates.

On Telegram this step's keyboard is a reply keyboard (it is the only way to ask for a
location), whose taps arrive as text: a text equal to a shown label counts as that choice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.events import Button, EventKind, OutboundMessage
from handlers.flows.common import Ctx, cancel_button, menu_message, message, unexpected
from handlers.texts import t

STEP = "where"
CONFIRM = "where_confirm"
REMEMBER = "where_remember"
STEPS = (STEP, CONFIRM, REMEMBER)
MAX_OPTIONS = 5

Done = Callable[[Ctx], Awaitable[list[OutboundMessage]]]


def _provinces_differ(matches) -> bool:
    """Communes of several provinces on offer: name the province, or "Hòa Bình" is a guess."""
    return len({m.province for m in matches}) > 1


def _option(match, *, with_province: bool = False, remembered: bool = False) -> dict:
    label = match.label
    if with_province:
        label = f"{label} ({match.province})"
    if remembered:
        label = t("where.last_time", place=label)
    return {"code": match.code, "label": label[:60], "place": match.label}


async def enter(ctx: Ctx, flow: str, *, question: str, about: str = "") -> list[OutboundMessage]:
    """Go to the where step of `flow`: propose communes named in `about`, then the remembered
    one; `question` is the text key of the question asked."""
    options: list[dict] = []
    if about:
        mentioned = await ctx.deps.api.resolve_units(text=about)
        shown = mentioned.data[:2]
        options += [_option(m, with_province=_provinces_differ(shown)) for m in shown]
    remembered = await ctx.deps.api.remembered_unit(ctx.citizen_ref)
    if remembered is not None and remembered.code not in {o["code"] for o in options}:
        options.append(_option(remembered, remembered=True))
    ctx.state.goto(
        flow,
        STEP,
        where_question=question,
        where_options=options,
        remembered_code=remembered.code if remembered else None,
    )
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[OutboundMessage]:
    data = ctx.state.data
    if ctx.state.step == CONFIRM:
        return [
            message(
                t("where.confirm_location", place=data.get("where_proposed", {}).get("label", "")),
                Button(t("where.yes"), "w:yes"),
                Button(t("where.no"), "w:no"),
                per_row=2,
            )
        ]
    if ctx.state.step == REMEMBER:
        return [
            message(
                t("where.remember", place=data.get("unit_label", "")),
                Button(t("where.remember_yes"), "w:rem:y"),
                Button(t("where.remember_no"), "w:rem:n"),
                per_row=2,
            )
        ]
    return [_choices(ctx, t(data.get("where_question", "where.tip")))]


def _choices(ctx: Ctx, text: str) -> OutboundMessage:
    options = ctx.state.data.get("where_options", [])
    buttons = [Button(o["label"], f"w:u:{o['code']}") for o in options]
    return message(
        text,
        *buttons,
        Button(t("where.unknown"), "w:x"),
        cancel_button(),
        request_location=True,
    )


def _by_label(ctx: Ctx, text: str) -> str | None:
    """A reply-keyboard tap (Telegram) arrives as the label's text: map it back to its data."""
    for option in ctx.state.data.get("where_options", []):
        if text == option["label"]:
            return f"w:u:{option['code']}"
    return {t("where.unknown"): "w:x", t("tip.cancel"): "x:cancel"}.get(text)


async def handle(ctx: Ctx, done: Done) -> list[OutboundMessage]:
    step, event, data = ctx.state.step, ctx.event, ctx.state.data
    button = event.data if event.kind == EventKind.BUTTON else None
    if step == STEP and event.kind == EventKind.TEXT and ctx.text:
        button = _by_label(ctx, ctx.text)
        if button is None:
            return await _typed(ctx, done)
    if step == STEP:
        if button == "x:cancel":
            ctx.state.reset()
            return [message(t("cancelled")), menu_message()]
        if button and button.startswith("w:u:"):
            option = next(
                (o for o in data.get("where_options", []) if f"w:u:{o['code']}" == button), None
            )
            if option is not None:
                return await _chosen(ctx, option["code"], option["place"], done)
        if button == "w:x":
            entry = data.get("entry_unit")
            data.update(unit_code=entry, unit_label=None)
            return await done(ctx)
        if event.kind == EventKind.LOCATION and event.latitude is not None:
            return await _located(ctx, event.latitude, event.longitude)
    elif step == CONFIRM:
        proposed = data.get("where_proposed")
        if button == "w:yes" and proposed:
            return await _chosen(ctx, proposed["code"], proposed["label"], done)
        if button == "w:no":
            ctx.state.step = STEP
            return [_choices(ctx, t("where.type_instead"))]
    elif step == REMEMBER:
        if button == "w:rem:y":
            await ctx.deps.api.remember_unit(ctx.citizen_ref, unit_code=data["unit_code"])
            return [
                message(t("where.remembered", place=data.get("unit_label", ""))),
                *await done(ctx),
            ]
        if button == "w:rem:n":
            return await done(ctx)
    return unexpected(ctx, prompt(ctx))


async def _typed(ctx: Ctx, done: Done) -> list[OutboundMessage]:
    data, typed = ctx.state.data, ctx.text[:200]
    data["where_typed"] = ctx.text[:500]  # kept: it may be an address the officer needs
    found = await ctx.deps.api.resolve_units(q=typed)
    if found.confident:
        match = found.data[0]
        return await _chosen(ctx, match.code, match.label, done)
    if found.data:
        shown = found.data[:MAX_OPTIONS]
        data["where_options"] = [_option(m, with_province=_provinces_differ(shown)) for m in shown]
        return [_choices(ctx, t("where.which", name=typed[:60]))]
    return [_choices(ctx, t("where.not_found", name=typed[:60]))]


async def _located(ctx: Ctx, latitude: float, longitude: float) -> list[OutboundMessage]:
    data = ctx.state.data
    data["latitude"], data["longitude"] = latitude, longitude
    found = await ctx.deps.api.resolve_units(latitude=latitude, longitude=longitude)
    if not found.data:
        return [_choices(ctx, t("where.location_unknown"))]
    match = found.data[0]
    data["where_proposed"] = {"code": match.code, "label": match.label}
    ctx.state.step = CONFIRM
    return prompt(ctx)


async def _chosen(ctx: Ctx, code: str, label: str, done: Done) -> list[OutboundMessage]:
    data = ctx.state.data
    data.update(unit_code=code, unit_label=label)
    if code != data.get("remembered_code"):
        ctx.state.step = REMEMBER
        return prompt(ctx)
    return await done(ctx)
