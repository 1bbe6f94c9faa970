"""Recognise greetings, thanks and goodbyes, which are not questions.

They must not be matched to a topic ("chào ad" is not about anything), and the conversation
wants to know which one it was so it can greet back, say "không có gì" or say goodbye.
"""

from __future__ import annotations

from enum import StrEnum

from faq.normalize import tokens
from faq.vocabulary import (
    FILLERS,
    GOODBYE_CUES,
    GOODBYES,
    GREETING_CUES,
    GREETINGS,
    THANKS,
    THANKS_CUES,
)


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"


def _has_cue(words: tuple[str, ...], cues: tuple[tuple[str, ...], ...]) -> bool:
    return any(
        words[i : i + len(cue)] == cue for cue in cues for i in range(len(words) - len(cue) + 1)
    )


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk when the message holds nothing else, else None."""
    words = tokens(text)
    if not words:
        return None
    allowed = GREETINGS | THANKS | GOODBYES | FILLERS
    if any(word not in allowed for word in words):
        return None
    for kind, cues in (
        (SmallTalk.THANKS, THANKS_CUES),
        (SmallTalk.GOODBYE, GOODBYE_CUES),
        (SmallTalk.GREETING, GREETING_CUES),
    ):
        if _has_cue(words, cues):
            return kind
    return None
