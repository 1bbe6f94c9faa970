"""Rank the entries for a message: the rule-based matcher and the learned classifier, blended.

Why two: the matcher (faq.matcher) is precise on short questions with known words and rejects
messages about other things (their words are unknown to the base); the classifier
(faq.classifier) separates close topics and forgives unseen spellings, but has no notion of "none
of these". The blend gives each entry

    score = (1 - w) · matcher score + w · sigmoid(slope · (margin − offset))

and the threshold applies to it. Long messages (a story, then the question) can also be scored
clause by clause: an entry's score is then the best of the whole message and `clause` × its best
clause. Measured with benchmarks/faq_blend_tune.py and the three evaluation sets, clause scores
did not help once the classifier is in the blend (its character n-grams already find the
question inside the story), so `clause` is 0 and no clause is scored; the emergency detector, by
contrast, does read clause by clause (faq.emergency). What does help (measured 2026-12-02 on
cross-validation and all four sets) is the last sentence of a long message scored on its own,
`question` × its score: the question a story ends with (see Ranker.views). A long
message whose best entry is still short of the threshold but clearly ahead of the next (by
`long_gap`) is accepted `long_relief` lower: its words are diluted by the story, not off topic.
The weights come from benchmarks/faq_blend_tune.py (see its docstring for the data it uses).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from faq.classifier import MAX_ENTRIES, Classifier
from faq.knowledge import Entry
from faq.matcher import Alternative, Matcher, MatchResult, decided
from faq.normalize import tokens

RANKED = 6
CLAUSE_MIN_WORDS = 3
LONG_MESSAGE_WORDS = 14
QUESTION_SKIP_MARGIN = 0.2  # measured: 0.2 changes no answer on any set, 0.0 lost one
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")
_CLAUSE_BREAK = re.compile(r"[.;!?\n…]+|,(?=\s)|\s(?:nhưng|mà|thì|nên|vậy|giờ|bây giờ)\s", re.I)


@dataclass(frozen=True)
class Blend:
    weight: float = 0.45
    slope: float = 3.0
    offset: float = -0.25
    clause: float = 0.0  # measured: clause scores did not help (see the module docstring)
    threshold: float = 0.44
    long_words: int = 12
    long_relief: float = 0.1
    long_gap: float = 0.1
    agree_relief: float = 0.06  # see Ranker.assess
    agree_words: int = 8
    question: float = 0.9  # the last sentence of a long message, see Ranker.views


DEFAULT_BLEND = Blend()


@dataclass(frozen=True)
class View:
    """What both scorers say about one piece of a message (the whole, or one clause)."""

    matched: tuple[tuple[int, float], ...]
    margins: np.ndarray | None
    whole: bool
    question: bool = False  # the last sentence of a long message (Blend.question)


def clauses(text: str) -> list[str]:
    """The clauses of a long message worth scoring on their own (none for a short one)."""
    if len(tokens(text)) < LONG_MESSAGE_WORDS:
        return []
    parts = [p.strip() for p in _CLAUSE_BREAK.split(text) if p and p.strip()]
    parts = [p for p in parts if len(tokens(p)) >= CLAUSE_MIN_WORDS]
    return parts if len(parts) > 1 else []


class Ranker:
    """The matcher and (for bases up to MAX_ENTRIES) the classifier over one list of entries."""

    def __init__(self, entries: Iterable[Entry], *, blend: Blend = DEFAULT_BLEND):
        self.matcher = Matcher(entries, threshold=blend.threshold)
        self.entries: Sequence[Entry] = self.matcher.entries
        self.blend = blend
        self.classifier = (
            Classifier.train(self.entries) if 1 < len(self.entries) <= MAX_ENTRIES else None
        )

    def views(
        self, text: str, *, with_clauses: bool | None = None, with_question: bool = True
    ) -> list[View]:
        """The whole message, and for a long message of several sentences its last sentence
        (weighed `question`): a story ends with the question, and the question alone is not
        diluted by the story's words. Unlike scoring every clause (measured worse: a clause of
        the story can match another entry), only the last sentence is added. Measured
        2026-12-02: the 2026-12-02b set 0.849 → 0.857 in-scope, every other set and
        cross-validation unchanged (0.8 gave 0.853)."""
        if with_clauses is None:
            with_clauses = self.blend.clause > 0
        pieces = [(text, True, False)]
        if with_question:
            pieces += [(q, False, True) for q in self._question(text)]
        if with_clauses:  # clauses(text) tokenises every clause: only when they are scored
            pieces += [(c, False, False) for c in clauses(text)]
        return [self._view(piece, whole, question) for piece, whole, question in pieces]

    def _view(self, piece: str, whole: bool, question: bool) -> View:
        margins = self.classifier.margins(piece) if self.classifier else None
        return View(tuple(self.matcher.scored(piece)), margins, whole, question)

    def _question(self, text: str) -> list[str]:
        """The last sentence of a long message of several sentences, if it is worth scoring."""
        if self.blend.question <= 0 or len(tokens(text)) < LONG_MESSAGE_WORDS:
            return []
        sentences = [p for p in _SENTENCE_END.split(text.strip()) if p.strip()]
        if len(sentences) > 1 and len(tokens(sentences[-1])) >= CLAUSE_MIN_WORDS:
            return [sentences[-1]]
        return []

    def combine(self, views: Sequence[View], blend: Blend) -> list[tuple[int, float]]:
        """(entry index, blended score), best first."""
        best: dict[int, float] = {}
        for view in views:
            factor = 1.0 if view.whole else blend.question if view.question else blend.clause
            if factor <= 0:
                continue
            scores = dict(view.matched)
            if view.margins is not None:
                top = np.argsort(-view.margins)[:RANKED]
                candidates = set(scores) | {int(i) for i in top}
                w = blend.weight
            else:
                candidates, w = set(scores), 0.0
            for index in candidates:
                learned = 0.0
                if view.margins is not None:
                    z = blend.slope * (float(view.margins[index]) - blend.offset)
                    learned = 1 / (1 + math.exp(-z))
                score = factor * ((1 - w) * scores.get(index, 0.0) + w * learned)
                if score > best.get(index, 0.0):
                    best[index] = score
        return sorted(best.items(), key=lambda pair: (-pair[1], pair[0]))

    def rank(self, text: str) -> list[Alternative]:
        return self.assess(text)[0]

    def scored(self, text: str) -> tuple[list[View], list[tuple[int, float]]]:
        """The message's views and their blend, best entry first.

        The last sentence is scored only when the whole message is not already clearly
        answered: it is there to rescue stories whose words dilute the question, and it costs
        a second pass of both scorers."""
        views = self.views(text, with_question=False)
        combined = self.combine(views, self.blend)
        if not combined or combined[0][1] < self.blend.threshold + QUESTION_SKIP_MARGIN:
            extra = [self._view(q, False, True) for q in self._question(text)]
            if extra:
                views += extra
                combined = self.combine(views, self.blend)
        return views, combined

    def assess(self, text: str) -> tuple[list[Alternative], bool]:
        """The ranked entries and whether the first is a confident answer.

        Besides the score threshold (and the long-message rule in `accepts`), the first entry
        is accepted `agree_relief` lower when both scorers independently put it first: the
        matcher's best and the classifier's highest margin are the same entry, in a message of at
        least `agree_words` words (on shorter ones, such as "thank you ad", both scorers can agree
        on noise). The relief and the length are
        calibrated by benchmarks/faq_accept_tune.py on cross-validation over the knowledge
        base's variants and on benchmarks/data/oos_tuning.txt, never on an evaluation set."""
        views, combined = self.scored(text)
        ranked = [Alternative(self.entries[i].id, round(min(s, 1.0), 4)) for i, s in combined]
        confident = self.accepts(ranked, text)
        relief = self.blend.agree_relief
        if (
            not confident
            and ranked
            and relief > 0
            and ranked[0].score >= self.blend.threshold - relief
            and len(tokens(text)) >= self.blend.agree_words
            and self.agree(views[0], combined[0][0])
        ):
            confident = True
        return ranked, confident

    @staticmethod
    def agree(view: View, index: int) -> bool:
        """Whether the matcher and the classifier each put entry `index` first."""
        if view.margins is None or not view.matched or view.matched[0][0] != index:
            return False
        return int(np.argmax(view.margins)) == index

    def accepts(self, ranked: Sequence[Alternative], text: str) -> bool:
        """Whether the first of `ranked` is a confident answer to `text` by its score alone."""
        if not ranked:
            return False
        best, blend = ranked[0].score, self.blend
        if best >= blend.threshold:
            return True
        if len(tokens(text)) < blend.long_words or best < blend.threshold - blend.long_relief:
            return False
        second = ranked[1].score if len(ranked) > 1 else 0.0
        return best - second >= blend.long_gap

    def match(self, text: str) -> MatchResult:
        ranked, confident = self.assess(text)
        return decided(ranked, confident=confident)

    def entry(self, entry_id: str) -> Entry | None:
        return self.matcher.entry(entry_id)
