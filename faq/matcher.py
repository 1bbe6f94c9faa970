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

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from faq.knowledge import Entry
from faq.normalize import tokens
from faq.vocabulary import FILLER_PHRASES, FILLERS

DEFAULT_THRESHOLD = 0.41
MAX_ALTERNATIVES = 3
CANDIDATES = 8
KEYWORD_COUNT = 2.0
MIN_CONTAINED_MASS = 6.0
TF_SATURATION = 0.5
# Up to this many variants in the whole base, a message's weight shared with every variant is
# summed in one numpy pass (np.bincount over the query terms' variant postings) instead of term by
# term per candidate; above it (the synthetic 5,000-entry base) the per-candidate loop is cheaper.
SHARED_PASS_MAX_VARIANTS = 20_000


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
    mass: float = 0.0


@dataclass(frozen=True)
class _Query:
    """A message as the matcher scores it: corrected words, term weights, and their sums."""

    words: list[str]
    weights: dict[str, float]
    unigram_mass: float
    bigram_mass: float
    unigrams: tuple[tuple[str, float], ...]
    bigrams: tuple[tuple[str, float], ...]
    joined: str
    unigram_keys: frozenset[str] = frozenset()
    bigram_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Params:
    """Weights of the score blend, tuned by benchmarks/faq_tune.py (see its docstring)."""

    uni: float = 0.3
    bi: float = 0.1
    dice: float = 0.3
    fuzz: float = 0.1
    evidence: float = 7.0
    evidence_power: float = 1.0
    contained: float = 0.45


def _without_filler_phrases(words: Sequence[str]) -> list[str]:
    """Drop question phrases ("bao nhieu", "nhu the nao") that say how, not what, is asked."""
    out: list[str] = []
    index = 0
    while index < len(words):
        for length in (3, 2):
            if tuple(words[index : index + length]) in FILLER_PHRASES:
                index += length
                break
        else:
            out.append(words[index])
            index += 1
    return out


def _terms(words: Sequence[str]) -> set[str]:
    """Content words plus adjacent word pairs (pairs of two fillers carry nothing)."""
    words = _without_filler_phrases(words)
    unigrams = {w for w in words if w not in FILLERS}
    pairs = {
        f"{a} {b}" for a, b in itertools.pairwise(words) if not (a in FILLERS and b in FILLERS)
    }
    return unigrams | pairs


# Teencode spellings: letters Vietnamese does not use (f, w, z, j) standing for ones it does.
_SOUND_ALIKE = (("f", "ph"), ("w", "qu"), ("z", "d"), ("j", "gi"), ("dz", "d"), ("k", "c"))
_FINAL_ALIKE = (("k", "c"), ("j", "i"), ("z", ""))


def result_from(ranked: Sequence[Alternative], threshold: float) -> MatchResult:
    """The best alternative when it reaches the threshold, and the runners-up either way."""
    return decided(ranked, confident=bool(ranked) and ranked[0].score >= threshold)


def decided(ranked: Sequence[Alternative], *, confident: bool) -> MatchResult:
    """The best alternative as the answer when `confident`, and the runners-up either way."""
    if not ranked:
        return MatchResult(id=None, score=0.0, alternatives=())
    best = ranked[0]
    if confident:
        return MatchResult(best.id, best.score, tuple(ranked[1 : 1 + MAX_ALTERNATIVES]))
    return MatchResult(None, best.score, tuple(ranked[:MAX_ALTERNATIVES]))


class Matcher:
    """An index over a list of entries; build once, query from many threads (read-only)."""

    def __init__(
        self,
        entries: Iterable[Entry],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        params: Params | None = None,
    ):
        self.threshold = threshold
        self.params = params or Params()
        self.entries: list[Entry] = list(entries)
        self._variants: list[list[_Variant]] = []
        entry_terms: list[dict[str, float]] = []
        seen_words: set[str] = set(FILLERS)
        for entry in self.entries:
            variants = []
            for text in (*entry.questions, entry.title):
                words = tokens(text)
                variants.append(_Variant(frozenset(_terms(words)), " ".join(words)))
            seen_words.update(w for v in variants for w in v.text.split())
            counts: dict[str, float] = defaultdict(float)
            for variant in variants:
                for term in variant.terms:
                    counts[term] += 1
            for keyword in entry.keywords:
                for term in _terms(tokens(keyword)):
                    counts[term] += KEYWORD_COUNT
            self._variants.append(variants)
            # Saturating credit: a term in many variants is typical of the entry; one mention
            # in one variant is weaker evidence (the tf part of BM25).
            entry_terms.append({t: c / (c + TF_SATURATION) for t, c in counts.items()})
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
        self._known_words = frozenset(seen_words)
        self._selective = total // 4 + 1
        self._variants = [
            [replace(v, mass=sum(self._idf[t] for t in v.terms)) for v in variants]
            for variants in self._variants
        ]
        self._variant_index: list[dict[str, tuple[int, ...]]] = []
        for variants in self._variants:
            where: dict[str, list[int]] = defaultdict(list)
            for position, variant in enumerate(variants):
                for term in variant.terms:
                    where[term].append(position)
            self._variant_index.append({t: tuple(p) for t, p in where.items()})
        self._variant_start: list[int] = []
        masses: list[float] = []
        for variants in self._variants:
            self._variant_start.append(len(masses))
            masses.extend(v.mass for v in variants)
        self._variant_count = len(masses)
        self._shared_pass = 0 < self._variant_count <= SHARED_PASS_MAX_VARIANTS
        self._variant_mass = np.asarray(masses, dtype=float)
        # 1 / mass for the variants long enough to be "contained" in a message, else 0.
        self._contained_scale = np.where(
            self._variant_mass >= MIN_CONTAINED_MASS,
            1.0 / np.maximum(self._variant_mass, 1e-9),
            0.0,
        )
        postings: dict[str, list[int]] = defaultdict(list)
        if self._shared_pass:  # measured slower on the synthetic 5,000-entry base: not built
            for start, where in zip(self._variant_start, self._variant_index, strict=True):
                for term, positions in where.items():
                    postings[term].extend(start + p for p in positions)
        self._variant_postings = {t: np.asarray(p, dtype=np.intp) for t, p in postings.items()}
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        self._index_of = {entry.id: i for i, entry in enumerate(self.entries)}

    # -- query side ---------------------------------------------------------------------------

    def _correct_uncached(self, word: str) -> str:
        """A known word for an unknown one, or the word itself when nothing is close enough."""
        if word in self._known_words or word.isdigit() or len(word) < 3:
            return word
        rewrites = {word}
        for old, new in _SOUND_ALIKE:
            if word.startswith(old):
                rewrites.add(new + word[len(old) :])
        for old, new in _FINAL_ALIKE:
            if word.endswith(old):
                rewrites.add(word[: -len(old)] + new)
        # Telex typing left in ("phis" for "phí": s, f, r, x, j are the tone keys).
        if word[-1] in "sfrx" and word[:-1] in self._word_set:
            rewrites.add(word[:-1])
        known = [w for w in rewrites if w in self._word_set]
        if known:
            return max(known, key=lambda w: len(self._postings[w]))
        if len(word) < 5:
            # Chat spelling drops a vowel of a diphthong ("nhiu", "ngui"): one vowel put back.
            put_back = {
                word[:i] + vowel + word[i:] for i in range(1, len(word)) for vowel in "aeiouy"
            }
            known = [w for w in put_back if w in self._word_set]
            if known:
                return max(known, key=lambda w: len(self._postings[w]))
            return word
        best = process.extractOne(word, self._words, scorer=Levenshtein.distance, score_cutoff=1)
        return best[0] if best else word

    def _query(self, text: str) -> _Query:
        words = [self._correct(w) for w in tokens(text)]
        terms = _terms(words)
        weights: dict[str, float] = {}
        for term in terms:
            if term in self._idf:
                weights[term] = self._idf[term]
            elif " " not in term:
                weights[term] = self._unknown_weight
        unigrams = tuple((t, w) for t, w in weights.items() if " " not in t)
        bigrams = tuple((t, w) for t, w in weights.items() if " " in t)
        return _Query(
            words=words,
            weights=weights,
            unigram_mass=sum(w for _, w in unigrams),
            bigram_mass=sum(w for _, w in bigrams),
            unigrams=unigrams,
            bigrams=bigrams,
            joined=" ".join(words),
            unigram_keys=frozenset(t for t, _ in unigrams),
            bigram_keys=frozenset(t for t, _ in bigrams),
        )

    # -- scoring ------------------------------------------------------------------------------

    def _shared_with_variants(self, query: _Query) -> np.ndarray | None:
        """The query's weight shared with every variant of the base, in one numpy pass (None
        when the base is too large for that to pay, see SHARED_PASS_MAX_VARIANTS).

        Why: a long story has fifty or more terms; adding each one's weight to its variants term
        by term, candidate by candidate, was about a third of the matcher's time."""
        if not self._shared_pass:
            return None
        postings, weights = [], []
        get = self._variant_postings.get
        for term, weight in query.weights.items():
            found = get(term)
            if found is not None:
                postings.append(found)
                weights.append(weight)
        if not postings:
            return np.zeros(self._variant_count)
        repeated = np.repeat(weights, [len(p) for p in postings])
        return np.bincount(np.concatenate(postings), repeated, minlength=self._variant_count)

    def _overlaps(self, query: _Query) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Per variant of the whole base: weight shared with the query, Dice overlap, and how
        much of the variant the query contains (see _features), as three numpy arrays."""
        shared = self._shared_with_variants(query)
        if shared is None:
            return None
        dice = 2 * shared / (query.unigram_mass + query.bigram_mass + self._variant_mass)
        return shared, dice, shared * self._contained_scale

    def _features(
        self,
        index: int,
        query: _Query,
        overlaps: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[float, float, float, float, float, float]:
        """Coverage of the query by the entry (words, pairs), best variant overlap (Dice, and
        how much of a known question the message contains), fuzzy similarity, evidence.

        Everything that depends on the query alone (its masses, its joined text) is computed
        once per message in _query, not once per candidate."""
        terms = self._entry_terms[index]
        weights = query.weights
        # Set intersections run in C; a long story has a hundred or more terms, an entry
        # several hundred, and only the few shared ones matter (measured: about half the
        # matcher's time on 60-word messages went to per-term lookups).
        matched_uni = sum([weights[t] * terms[t] for t in query.unigram_keys & terms.keys()])
        matched_bi = sum([weights[t] * terms[t] for t in query.bigram_keys & terms.keys()])
        unigram_mass, bi_mass = query.unigram_mass, query.bigram_mass
        uni_cov = matched_uni / unigram_mass
        bi_cov = matched_bi / bi_mass if bi_mass else uni_cov
        # Weight shared with each variant: from the base-wide numpy pass when there is one,
        # else through the entry's own term → variants index.
        variants = self._variants[index]
        if overlaps is not None:
            shared_all, dice_all, contained_all = overlaps
            start = self._variant_start[index]
            end = start + len(variants)
            position = int(dice_all[start:end].argmax())
            best_dice = float(dice_all[start + position])
            best_variant = variants[position] if shared_all[start + position] > 0 else None
            contained = float(contained_all[start:end].max())
        else:
            best_dice, best_variant, contained = self._overlap_loop(index, query)
        fuzzy = fuzz.token_set_ratio(query.joined, best_variant.text) / 100 if best_variant else 0.0
        return uni_cov, bi_cov, best_dice, fuzzy, matched_uni + matched_bi, min(contained, 1.0)

    def _overlap_loop(self, index: int, query: _Query) -> tuple[float, _Variant | None, float]:
        """_overlaps for one entry, term by term (for bases too large for the numpy pass)."""
        weights = query.weights
        query_mass = query.unigram_mass + query.bigram_mass
        shared: dict[int, float] = defaultdict(float)
        where = self._variant_index[index]
        for term in weights.keys() & where.keys():
            weight = weights[term]
            for position in where[term]:
                shared[position] += weight
        variants = self._variants[index]
        best_dice, best_variant, contained = 0.0, None, 0.0
        for position, weight in shared.items():
            variant = variants[position]
            dice = 2 * weight / (query_mass + variant.mass)
            if dice > best_dice:
                best_dice, best_variant = dice, variant
            # A long message that says a whole known question in its own context ("...giờ
            # đi làm thẻ lần đầu được không?") matches it, even if the context is long.
            if variant.mass >= MIN_CONTAINED_MASS and weight > contained * variant.mass:
                contained = weight / variant.mass
        return best_dice, best_variant, contained

    def _score(self, features: tuple[float, ...]) -> float:
        uni_cov, bi_cov, dice, fuzzy, evidence, contained = features
        p = self.params
        total = p.uni + p.bi + p.dice + p.fuzz + p.contained
        blend = (
            p.uni * uni_cov
            + p.bi * bi_cov
            + p.dice * dice
            + p.fuzz * fuzzy * uni_cov
            + p.contained * contained
        ) / total
        return blend * min(1.0, evidence / p.evidence) ** p.evidence_power

    def scored(self, text: str) -> list[tuple[int, float]]:
        """(entry index, score) of the candidates sharing the message's rarest words, best first."""
        query = self._query(text)
        weights = query.weights
        if query.unigram_mass <= 0:
            return []
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
        overlaps = self._overlaps(query)
        scored = [
            (i, min(self._score(self._features(i, query, overlaps)), 1.0)) for i in candidates
        ]
        return sorted(scored, key=lambda pair: (-pair[1], pair[0]))

    def match(self, text: str) -> MatchResult:
        ranked = [Alternative(self.entries[i].id, round(s, 4)) for i, s in self.scored(text)]
        return result_from(ranked, self.threshold)

    def entry(self, entry_id: str) -> Entry | None:
        index = self._index_of.get(entry_id)
        return None if index is None else self.entries[index]
