"""`/lienket 123456`: an officer links this chat to their account, to receive test sends of
campaigns. The code comes from the officer web view; feedback_api checks it."""

from __future__ import annotations

import re

from handlers.events import OutboundMessage
from handlers.flows.common import Ctx, message
from handlers.texts import t

_TYPED = re.compile(r"^/lienket(?:@\w+)?\s+(\S{1,20})$", re.IGNORECASE)


def code_in(text: str) -> str | None:
    """The code of a typed "/lienket 123456" (channels without commands send it as text)."""
    found = _TYPED.match((text or "").strip())
    return found[1] if found else None


async def redeem(ctx: Ctx, code: str) -> list[OutboundMessage]:
    code = (code or "").strip()
    if not code:
        return [message(t("link.usage"))]
    linked = await ctx.deps.api.link_officer_chat(ctx.citizen_ref, code)
    return [message(t("link.ok" if linked else "link.bad_code"))]
