"""The one entry point handlers/ and the CLI use: a message in, everything faq/ knows out."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from faq.emergency import (
    EmergencyKind,
    detect,
    is_question_about_danger,
    is_told_as_suspicion_or_past,
)
from faq.emergency_model import THRESHOLD as EMERGENCY_THRESHOLD
from faq.emergency_model import EmergencyModel
from faq.families import Families, Family, Menu, load_families
from faq.knowledge import DEFAULT_DIR, Entry, load
from faq.legal import DEFAULT_DOCUMENTS, Documents, read_documents
from faq.matcher import MAX_ALTERNATIVES, Alternative, decided
from faq.ranking import DEFAULT_BLEND, Ranker
from faq.services import SERVICE_PREFIX, Service, load_services
from faq.smalltalk import SmallTalk, small_talk

MAX_QUESTION_CHARS = 2000
EMERGENCY_ANSWER_SCORE = 0.6


class _Unchecked:
    """Marks "the caller has not checked for an emergency" (None means "checked: none")."""


UNCHECKED = _Unchecked()


@dataclass(frozen=True)
class Redirect:
    """A neighbouring service handles this question (faq/data/services.yaml)."""

    id: str
    agency: str
    contact: str

    def as_json(self) -> dict:
        return {"id": self.id, "agency": self.agency}


@dataclass(frozen=True)
class Answer:
    """What faq/ makes of one message.

    `id` is set only for a confident match. `alternatives` are suggestions either way (none for
    an emergency: a guess after the emergency numbers misleads). `redirect` names the agency
    when the question belongs to a neighbouring service (then `id` is None); `menu` lists a
    family's entries when a short question fits the family but no member clearly.
    `emergency_kind` is independent of the match: a question can be in scope and urgent at once;
    its kind tells the caller which lines to give first (see faq.emergency.EmergencyKind).
    """

    id: str | None
    score: float
    alternatives: tuple[Alternative, ...]
    emergency_kind: EmergencyKind | None
    small_talk: SmallTalk | None = None
    entry: Entry | None = None
    redirect: Redirect | None = None
    menu: Menu | None = None

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
            "redirect": self.redirect.as_json() if self.redirect else None,
            "menu": self.menu.as_json() if self.menu else None,
        }


ANSWER_CACHE = 4096  # messages whose answers each process keeps (a few MB at most)


class Faq:
    """The knowledge base, the legal documents it cites, the neighbouring services and the
    rankers, loaded once per process."""

    def __init__(
        self,
        entries: list[Entry],
        *,
        threshold: float | None = None,
        services: Sequence[Service] | None = None,
        families: Sequence[Family] | None = None,
        documents: Documents | None = None,
        answer_cache: int = ANSWER_CACHE,
    ):
        self.documents = documents or Documents([])
        blend = DEFAULT_BLEND if threshold is None else replace(DEFAULT_BLEND, threshold=threshold)
        self._entries = tuple(entries)
        self._by_id = {entry.id: entry for entry in self._entries}
        self.services = {s.id: s for s in (load_services() if services is None else services)}
        indexed = [*self._entries, *(s.as_entry() for s in self.services.values())]
        self.ranker = Ranker(indexed, blend=blend)
        if families is None:
            families = load_families(self._by_id)
        self.families = Families(families)
        self.emergency_model = EmergencyModel.train(indexed)
        # Citizens ask the same few questions over and over ("làm căn cước ở đâu"), and both
        # verdicts depend only on the text and this (immutable) base: a changed base is a new
        # Faq, so its cache starts empty. A hit costs microseconds instead of ~1 ms of scoring.
        # `answer_cache=0`: no cache (benchmarks time the scoring itself). Plain dicts, not
        # functools.lru_cache on bound methods: those would tie the Faq into a reference cycle,
        # and a replaced base must be freed at once (the server freezes its start-up heap).
        self._cache_size = answer_cache
        self._answers: dict[tuple, Answer] = {}
        self._emergencies: dict[str, EmergencyKind | None] = {}

    @property
    def entries(self) -> Sequence[Entry]:
        return self._entries

    @classmethod
    def from_directory(
        cls, directory: Path = DEFAULT_DIR, *, documents: Path = DEFAULT_DOCUMENTS, **kwargs
    ) -> Faq:
        register, _ = read_documents(documents)  # load() below refuses a faulty register
        return cls(load(directory, documents=documents), documents=register, **kwargs)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def emergency_kind(self, text: str) -> EmergencyKind | None:
        """The rules first; when they see nothing, the learned model's confident "yes" (not
        for a legal or abstract question, nor for a suspicion, a habit or something over) still
        puts the emergency numbers first."""
        text = text[:MAX_QUESTION_CHARS]
        try:
            return self._emergencies[text]
        except KeyError:
            return self._remember(self._emergencies, text, self._emergency_kind(text))

    def _emergency_kind(self, text: str) -> EmergencyKind | None:
        kind = detect(text)
        if (
            kind is None
            and not is_question_about_danger(text)
            and not is_told_as_suspicion_or_past(text)
            and self.emergency_model.probability(text) >= EMERGENCY_THRESHOLD
        ):
            kind = EmergencyKind.DANGER
        return kind

    def legal_basis(self, entry: Entry) -> list[str]:
        """The entry's citations as a citizen reads them ("Luật Cư trú 2020 (số ...), Điều 31")."""
        return [self.documents.render(citation) for citation in entry.legal_basis]

    def is_emergency(self, text: str) -> bool:
        return self.emergency_kind(text) is not None

    def ask(self, text: str, *, emergency: EmergencyKind | _Unchecked | None = UNCHECKED) -> Answer:
        """Match a message; very long input is cut, since no question needs 2,000 characters.

        `emergency`: pass the caller's own verdict (a kind, or None) to avoid checking the same
        text twice; by default the message is checked here.
        """
        text = text[:MAX_QUESTION_CHARS]
        key = (text, emergency)
        try:
            return self._answers[key]
        except KeyError:
            return self._remember(self._answers, key, self._ask(text, emergency=emergency))

    def _remember(self, cache: dict, key, value):
        """Keep a verdict; the oldest goes when the cache is full (insertion order)."""
        if self._cache_size:
            if len(cache) >= self._cache_size:
                with suppress(KeyError, RuntimeError, StopIteration):  # another thread evicted
                    del cache[next(iter(cache))]
            cache[key] = value
        return value

    def _ask(self, text: str, *, emergency: EmergencyKind | _Unchecked | None) -> Answer:
        if isinstance(emergency, _Unchecked):
            emergency = self.emergency_kind(text)
        chat = small_talk(text)
        if chat is not None:
            return Answer(None, 0.0, (), emergency, small_talk=chat)
        ranked, confident = self.ranker.assess(text)
        ranked = self.families.prefer(text, ranked)
        entries = [a for a in ranked if not a.id.startswith(SERVICE_PREFIX)]
        top = ranked[0] if ranked else None
        if top is not None and top.id.startswith(SERVICE_PREFIX) and confident:
            service = self.services[top.id.removeprefix(SERVICE_PREFIX)]
            redirect = Redirect(service.id, service.agency, service.contact)
            return Answer(None, top.score, (), emergency, redirect=redirect)
        alternatives = () if emergency else entries[:MAX_ALTERNATIVES]
        menu = None if emergency else self.families.menu(text, entries)
        if menu is not None:
            score = entries[0].score if entries else 0.0
            return Answer(None, score, alternatives, emergency, menu=menu)
        # After the emergency numbers only a clear answer may follow (never "lost wallet?"
        # after "someone is strangling my mother").
        if emergency and entries and entries[0].score < EMERGENCY_ANSWER_SCORE:
            confident = False
        result = decided(entries, confident=confident)
        alternatives = () if emergency else result.alternatives
        entry = self.entry(result.id) if result.id else None
        return Answer(result.id, result.score, alternatives, emergency, entry=entry)
