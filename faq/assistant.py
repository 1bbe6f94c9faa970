"""The one entry point handlers/ and the CLI use: a message in, everything faq/ knows out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faq.emergency import EmergencyKind, detect
from faq.knowledge import DEFAULT_DIR, Entry, load
from faq.matcher import DEFAULT_THRESHOLD, Alternative, Matcher
from faq.smalltalk import SmallTalk, small_talk

MAX_QUESTION_CHARS = 2000


class _Unchecked:
    """Marks "the caller has not checked for an emergency" (None means "checked: none")."""


UNCHECKED = _Unchecked()


@dataclass(frozen=True)
class Answer:
    """What faq/ makes of one message.

    `id` is set only for a confident match. `alternatives` are suggestions either way.
    `emergency_kind` is independent of the match: a question can be in scope and urgent at once;
    its kind tells the caller which lines to give first (see faq.emergency.EmergencyKind).
    """

    id: str | None
    score: float
    alternatives: tuple[Alternative, ...]
    emergency_kind: EmergencyKind | None
    small_talk: SmallTalk | None
    entry: Entry | None

    @property
    def emergency(self) -> bool:
        return self.emergency_kind is not None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "score": self.score,
            "emergency": self.emergency,
            "emergency_kind": self.emergency_kind.value if self.emergency_kind else None,
            "alternatives": [{"id": a.id, "score": a.score} for a in self.alternatives],
        }


class Faq:
    """The knowledge base and its matcher, loaded once per process."""

    def __init__(self, entries: list[Entry], *, threshold: float = DEFAULT_THRESHOLD):
        self.matcher = Matcher(entries, threshold=threshold)

    @classmethod
    def from_directory(cls, directory: Path = DEFAULT_DIR, **kwargs) -> Faq:
        return cls(load(directory), **kwargs)

    def entry(self, entry_id: str) -> Entry | None:
        return self.matcher.entry(entry_id)

    def emergency_kind(self, text: str) -> EmergencyKind | None:
        return detect(text[:MAX_QUESTION_CHARS])

    def is_emergency(self, text: str) -> bool:
        return self.emergency_kind(text) is not None

    def ask(self, text: str, *, emergency: EmergencyKind | _Unchecked | None = UNCHECKED) -> Answer:
        """Match a message; very long input is cut, since no question needs 2,000 characters.

        `emergency`: pass the caller's own verdict (a kind, or None) to avoid checking the same
        text twice; by default the message is checked here.
        """
        text = text[:MAX_QUESTION_CHARS]
        if isinstance(emergency, _Unchecked):
            emergency = detect(text)
        chat = small_talk(text)
        if chat is not None:
            return Answer(None, 0.0, (), emergency, chat, None)
        result = self.matcher.match(text)
        entry = self.matcher.entry(result.id) if result.id else None
        return Answer(result.id, result.score, result.alternatives, emergency, None, entry)
