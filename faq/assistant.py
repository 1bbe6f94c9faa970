"""The one entry point handlers/ and the CLI use: a message in, everything faq/ knows out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faq.emergency import is_emergency
from faq.knowledge import DEFAULT_DIR, Entry, load
from faq.legal import DEFAULT_DOCUMENTS, Documents, read_documents
from faq.matcher import DEFAULT_THRESHOLD, Alternative, Matcher
from faq.smalltalk import SmallTalk, small_talk

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Answer:
    """What faq/ makes of one message.

    `id` is set only for a confident match. `alternatives` are suggestions either way.
    `emergency` is independent of the match: a question can be in scope and urgent at once.
    """

    id: str | None
    score: float
    alternatives: tuple[Alternative, ...]
    emergency: bool
    small_talk: SmallTalk | None
    entry: Entry | None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "score": self.score,
            "emergency": self.emergency,
            "alternatives": [{"id": a.id, "score": a.score} for a in self.alternatives],
        }


class Faq:
    """The knowledge base, its matcher and the legal documents it cites, loaded once per process."""

    def __init__(
        self,
        entries: list[Entry],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        documents: Documents | None = None,
    ):
        self.matcher = Matcher(entries, threshold=threshold)
        self.documents = documents or Documents([])

    @classmethod
    def from_directory(
        cls, directory: Path = DEFAULT_DIR, *, documents: Path = DEFAULT_DOCUMENTS, **kwargs
    ) -> Faq:
        register, _ = read_documents(documents)  # load() below refuses a faulty register
        return cls(load(directory, documents=documents), documents=register, **kwargs)

    def entry(self, entry_id: str) -> Entry | None:
        return self.matcher.entry(entry_id)

    def legal_basis(self, entry: Entry) -> list[str]:
        """The entry's citations as a citizen reads them ("Luật Cư trú 2020 (số ...), Điều 31")."""
        return [self.documents.render(citation) for citation in entry.legal_basis]

    def is_emergency(self, text: str) -> bool:
        return is_emergency(text[:MAX_QUESTION_CHARS])

    def ask(self, text: str, *, emergency: bool | None = None) -> Answer:
        """Match a message; very long input is cut, since no question needs 2,000 characters.

        `emergency`: pass the caller's own verdict to avoid checking the same text twice.
        """
        text = text[:MAX_QUESTION_CHARS]
        if emergency is None:
            emergency = is_emergency(text)
        chat = small_talk(text)
        if chat is not None:
            return Answer(None, 0.0, (), emergency, chat, None)
        result = self.matcher.match(text)
        entry = self.matcher.entry(result.id) if result.id else None
        return Answer(result.id, result.score, result.alternatives, emergency, None, entry)
