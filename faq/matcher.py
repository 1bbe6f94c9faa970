"""Find the knowledge-base entry a citizen's message asks about.

How it scores, and why:
- Every entry is indexed by the folded words and word pairs of its question variants, title and
  keywords. Vietnamese words are syllables, so a pair ("tam tru", "can cuoc") is closer to a
  dictionary word than a single syllable is; pairs carry most of the meaning.
- Each term weighs its BM25-style inverse document frequency across entries, so "cuoc" (in many
  identity entries) counts little and "vneid" counts a lot.
- The score of an entry blends (a) how much of the query's weight the entry covers, over single
  words and over pairs, and (b) how close the best single variant is, as a weighted Dice overlap
  and rapidfuzz's token-set ratio (which forgives word order and spelling slips). A message with
  words the base has never seen loses coverage, which is what rejects out-of-scope questions.
- Words the base does not know are first corrected to a known word one edit away (rapidfuzz
  Levenshtein), or with a Vietnamese-specific sound-alike rewrite (l/n, s/x, tr/ch, d/gi/r...).
Candidates come from an inverted index, so only entries sharing a rare word are scored in full:
the cost grows with the matches, not with the size of the base.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from faq.knowledge import Entry
from faq.normalize import tokens
from faq.vocabulary import FILLERS

DEFAULT_THRESHOLD = 0.5
MAX_ALTERNATIVES = 3
CANDIDATES = 12


@dataclass(frozen=True)
class Alternative:
    id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The best entry id (None below the threshold), its score in [0, 1], and runners-up."""

    id: str | None
    score: float
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class _Variant:
    terms: frozenset[str]
    text: str


def _terms(words: Sequence[str]) -> set[str]:
    """Content words plus adjacent word pairs (pairs of two fillers carry nothing)."""
    unigrams = {w for w in words if w not in FILLERS}
    pairs = {
        f"{a} {b}"
        for a, b in zip(words, words[1:], strict=False)
        if not (a in FILLERS and b in FILLERS)
    }
    return unigrams | pairs


_SOUND_ALIKE = (
    ("tr", "ch"), ("ch", "tr"), ("s", "x"), ("x", "s"), ("gi", "d"), ("r", "d"), ("d", "gi"),
    ("l", "n"), ("n", "l"), ("v", "d"), ("d", "v"), ("f", "ph"), ("w", "qu"), ("z", "d"),
    ("j", "gi"), ("k", "c"), ("c", "k"),
)
_FINAL_ALIKE = (("t", "c"), ("c", "t"), ("n", "ng"), ("ng", "n"), ("nh", "n"))


class Matcher:
    """An index over a list of entries; build once, query from many threads (read-only)."""

    def __init__(self, entries: Iterable[Entry], *, threshold: float = DEFAULT_THRESHOLD):
        self.threshold = threshold
        self.entries: list[Entry] = list(entries)
        self._variants: list[list[_Variant]] = []
        entry_terms: list[set[str]] = []
        for entry in self.entries:
            variants = []
            for text in (*entry.questions, entry.title):
                words = tokens(text)
                variants.append(_Variant(frozenset(_terms(words)), " ".join(words)))
            terms = set().union(*(v.terms for v in variants))
            for keyword in entry.keywords:
                terms |= _terms(tokens(keyword))
            self._variants.append(variants)
            entry_terms.append(terms)
        self._entry_terms = entry_terms
        self._postings: dict[str, list[int]] = defaultdict(list)
        for index, terms in enumerate(entry_terms):
            for term in terms:
                self._postings[term].append(index)
        total = max(len(self.entries), 1)
        self._idf = {
            term: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5))
            for term, p in self._postings.items()
        }
        self._unknown_weight = math.log(1 + (total - 1 + 0.5) / 1.5) * 0.6
        self._words = sorted(t for t in self._postings if " " not in t and len(t) >= 3)
        self._word_set = frozenset(self._words)
        self._selective = total // 4 + 1
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        self._index_of = {entry.id: i for i, entry in enumerate(self.entries)}

    # -- query side ---------------------------------------------------------------------------

    def _correct_uncached(self, word: str) -> str:
        """A known word for an unknown one, or the word itself when nothing is close enough."""
        if word in self._word_set or word.isdigit() or len(word) < 3:
            return word
        rewrites = {word}
        for old, new in _SOUND_ALIKE:
            if word.startswith(old):
                rewrites.add(new + word[len(old):])
        for old, new in _FINAL_ALIKE:
            if word.endswith(old):
                rewrites.add(word[: -len(old)] + new)
        known = [w for w in rewrites if w in self._word_set]
        if known:
            return max(known, key=lambda w: len(self._postings[w]))
        if len(word) < 4:
            return word
        best = process.extractOne(
            word, self._words, scorer=Levenshtein.distance, score_cutoff=1
        )
        return best[0] if best else word

    def _query(self, text: str) -> tuple[list[str], dict[str, float], float]:
        words = [self._correct(w) for w in tokens(text)]
        terms = _terms(words)
        weights: dict[str, float] = {}
        for term in terms:
            if term in self._idf:
                weights[term] = self._idf[term]
            elif " " not in term:
                weights[term] = self._unknown_weight
        unigram_mass = sum(w for t, w in weights.items() if " " not in t)
        return words, weights, unigram_mass

    # -- scoring ------------------------------------------------------------------------------

    def _score(self, index: int, words: list[str], weights: dict[str, float],
               unigram_mass: float) -> float:
        terms = self._entry_terms[index]
        uni = [t for t in weights if " " not in t]
        bi = [t for t in weights if " " in t]
        uni_cov = sum(weights[t] for t in uni if t in terms) / unigram_mass
        bi_mass = sum(weights[t] for t in bi)
        bi_cov = sum(weights[t] for t in bi if t in terms) / bi_mass if bi_mass else uni_cov
        query_mass = sum(weights.values())
        query_text = " ".join(words)
        best_dice = 0.0
        best_fuzz = 0.0
        for variant in self._variants[index]:
            shared = sum(weights[t] for t in variant.terms if t in weights)
            own = sum(self._idf[t] for t in variant.terms)
            dice = 2 * shared / (query_mass + own) if query_mass + own else 0.0
            best_dice = max(best_dice, dice)
            best_fuzz = max(best_fuzz, fuzz.token_set_ratio(query_text, variant.text) / 100)
        return 0.3 * uni_cov + 0.25 * bi_cov + 0.3 * best_dice + 0.15 * best_fuzz * uni_cov

    def match(self, text: str) -> MatchResult:
        words, weights, unigram_mass = self._query(text)
        if unigram_mass <= 0:
            return MatchResult(id=None, score=0.0, alternatives=())
        accumulated: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            postings = self._postings.get(term)
            if postings and len(postings) <= self._selective:
                for index in postings:
                    accumulated[index] += weight
        if not accumulated:  # only very common words: score what they touch
            for term, weight in weights.items():
                for index in self._postings.get(term, ()):
                    accumulated[index] += weight
        candidates = sorted(accumulated, key=accumulated.__getitem__, reverse=True)[:CANDIDATES]
        scored = sorted(
            ((self._score(i, words, weights, unigram_mass), i) for i in candidates),
            reverse=True,
        )
        ranked = [Alternative(self.entries[i].id, round(min(s, 1.0), 4)) for s, i in scored]
        if not ranked:
            return MatchResult(id=None, score=0.0, alternatives=())
        best = ranked[0]
        if best.score >= self.threshold:
            return MatchResult(best.id, best.score, tuple(ranked[1 : 1 + MAX_ALTERNATIVES]))
        return MatchResult(None, best.score, tuple(ranked[:MAX_ALTERNATIVES]))

    def entry(self, entry_id: str) -> Entry | None:
        index = self._index_of.get(entry_id)
        return None if index is None else self.entries[index]
