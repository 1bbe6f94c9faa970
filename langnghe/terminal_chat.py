"""`langnghe chat`: the real conversation engine in a terminal.

The terminal is a text-only channel: buttons are printed as numbered choices
(`OutboundMessage.numbered_fallback`) and the engine reads a typed number as that choice.
Everything else — texts, flows, the emergency check — is the engine's, as on Telegram.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from handlers.engine import Engine
from handlers.events import EventKind, InboundEvent

CHANNEL = "terminal"
CHAT = "local"
EXIT_WORDS = frozenset({"thoat", "thoát", "exit", "quit"})


def _event(line: str) -> InboundEvent:
    if line.startswith("/"):
        command, _, payload = line[1:].partition(" ")
        if command.lower() == "start":
            return InboundEvent(CHANNEL, CHAT, EventKind.START, data=payload.strip())
        return InboundEvent(CHANNEL, CHAT, EventKind.COMMAND, data=command.lower())
    return InboundEvent(CHANNEL, CHAT, EventKind.TEXT, text=line)


async def run(engine: Engine, lines: Iterable[str], write: Callable[[str], None]) -> None:
    for reply in await engine.handle(InboundEvent(CHANNEL, CHAT, EventKind.START)):
        write(reply.numbered_fallback())
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            return
        for reply in await engine.handle(_event(text)):
            write(reply.numbered_fallback())
