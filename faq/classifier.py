"""A supervised classifier trained from the knowledge base's own question variants.

Why: the rule-based matcher (faq.matcher) scores word overlap; a linear model learns which words
and spellings *separate* close topics ("lệ phí" vs "cấp đổi", "tạm trú" vs "tạm vắng") from the
variants themselves, and character n-grams forgive typos and regional spellings the matcher's
vocabulary has never seen. On the knowledge base's own variants (4-fold cross-validation) it
is right more often than the matcher alone; faq.ranking blends the two.

How: TF-IDF over the folded text (faq.normalize) with word 1–2-grams and character 2–5-grams
within word boundaries, then a linear SVM (one-vs-rest, scikit-learn's LinearSVC). Training is
deterministic (fixed seed; liblinear is deterministic for a fixed input order) and takes well
under a second on the real base; the model is cached in-process by a hash of the training text,
so a process that builds several Faq objects over the same base trains once.
Inference does not go through scikit-learn: the query's features are looked up by hand and
multiplied with the weight rows they touch, which costs tens of microseconds instead of
milliseconds.
scikit-learn is imported only when a model is trained, so importing faq stays cheap.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from faq.knowledge import Entry
from faq.normalize import normalize

SEED = 7
SVM_C = 0.5
CHAR_NGRAMS = (2, 5)
# Above this many entries the model (weights: entries × features) costs more memory and training
# time than it is worth; faq.ranking then uses the matcher alone. See benchmarks/faq_bench.py.
MAX_ENTRIES = 1500
WORD_CACHE_MAX = 20_000  # words, per model: a few MB at most
_EMPTY = np.zeros(0, dtype=np.intp)


@dataclass(frozen=True)
class _Block:
    """One TF-IDF vectoriser, reduced to what inference needs."""

    analyze: Callable[[str], list[str]]
    kind: str  # "word" or "char": models with the same kind analyse text the same way
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int


def char_wb_ngrams(text: str, low: int = CHAR_NGRAMS[0], high: int = CHAR_NGRAMS[1]) -> list[str]:
    """scikit-learn's "char_wb" analyser for already folded text, feature for feature.

    Why: scikit-learn builds the n-grams one append at a time; this builds them with one list
    comprehension per word and length, three to four times faster, and the char block is most
    of a long story's analysis. tests/faq/test_ranking.py checks the two agree."""
    out: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if size <= n:  # scikit-learn keeps the whole padded word once, then stops
                out.append(padded)
                break
            out.extend([padded[i : i + n] for i in range(size - n + 1)])
    return out


def training_texts(entries: Sequence[Entry]) -> tuple[list[str], list[int]]:
    """Every variant, the title and each keyword of every entry, folded, with its entry index.

    Deterministic augmented copies (one typo per variant, words dropped at random, a story
    opener before short variants) were measured on 2026-12-02 and not kept: each raised the
    second frozen set by about two points but cost out-of-scope lines or in-scope lines on the
    other sets, also with the threshold recalibrated (see the README)."""
    texts: list[str] = []
    labels: list[int] = []
    for index, entry in enumerate(entries):
        for text in (*entry.questions, entry.title, *entry.keywords):
            folded = normalize(text)
            if folded:
                texts.append(folded)
                labels.append(index)
    return texts, labels


class Classifier:
    """Margins of a linear SVM, one per entry; build with `Classifier.train(entries)`."""

    def __init__(self, blocks: list[_Block], weights: np.ndarray, intercept: np.ndarray):
        self._blocks = blocks
        self._weights = weights  # features × entries, so a query reads only its rows
        self._intercept = intercept
        self._word_ngrams: dict[str, np.ndarray] = {}  # see _char_features

    def _char_features(self, block: _Block, folded: str) -> tuple[np.ndarray, np.ndarray]:
        """The known character n-grams of a text and their counts, word by word.

        Why: "char_wb" n-grams never cross a word boundary, so a text's n-grams are the union of
        its words'; Vietnamese has a few thousand syllables, so each word's known n-grams are
        computed once and remembered, and a long story costs a few dozen lookups instead of
        hundreds of slices and hashes."""
        cache = self._word_ngrams
        parts = []
        for word in folded.split():
            found = cache.get(word)
            if found is None:
                get = block.vocabulary.get
                known = [i for i in (get(g, -1) for g in block.analyze(word)) if i >= 0]
                found = np.asarray(known, dtype=np.intp)
                if len(cache) >= WORD_CACHE_MAX:
                    cache.clear()
                cache[word] = found
            parts.append(found)
        if not parts:
            return _EMPTY, _EMPTY
        indices, counts = np.unique(np.concatenate(parts), return_counts=True)
        return indices, counts.astype(float)

    @classmethod
    def train(cls, entries: Sequence[Entry]) -> Classifier:
        texts, labels = training_texts(entries)
        return fit_texts(texts, labels, len(entries))

    def margins(self, text: str) -> np.ndarray:
        """One score per entry (higher is better); all-intercept for text with no known feature.

        The features' TF-IDF weights are computed with numpy per block (a long story has
        hundreds of character n-grams: a Python loop per feature cost most of the time)."""
        folded = normalize(text)
        rows: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for block in self._blocks:
            if block.kind == "char":
                indices, counts = self._char_features(block, folded)
                if not len(indices):
                    continue
            else:
                features, all_counts = _counted(block.kind, block.analyze, folded)
                get = block.vocabulary.get
                found = np.fromiter(
                    (get(f, -1) for f in features), dtype=np.intp, count=len(features)
                )
                known = found >= 0
                if not known.any():
                    continue
                indices, counts = found[known], all_counts[known]
            weights = (1.0 + np.log(counts)) * block.idf[indices]
            weights /= math.sqrt(float(weights @ weights))
            rows.append(indices + block.offset)
            values.append(weights)
        if not rows:
            return self._intercept.copy()
        if len(rows) == 1:
            return values[0] @ np.take(self._weights, rows[0], axis=0) + self._intercept
        # np.take gathers rows about twice as fast as fancy indexing (measured).
        weights = np.take(self._weights, np.concatenate(rows), axis=0)
        return np.concatenate(values) @ weights + self._intercept


_CACHE: dict[str, Classifier] = {}
_ANALYSED: dict[tuple[str, str], tuple[tuple[str, ...], np.ndarray]] = {}
_ANALYSED_MAX = 256


def _counted(kind: str, analyze, folded: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The distinct features of a text and their counts, remembered for the next model asked
    about the same message (the ranker's classifier and the emergency model analyse it alike)."""
    key = (kind, folded)
    found = _ANALYSED.get(key)
    if found is None:
        counted = Counter(analyze(folded))
        found = (tuple(counted), np.fromiter(counted.values(), dtype=float, count=len(counted)))
        if len(_ANALYSED) >= _ANALYSED_MAX:
            _ANALYSED.clear()
        _ANALYSED[key] = found
    return found


_LOCK = threading.Lock()


def fit_texts(texts: list[str], labels: list[int], n_classes: int, *, estimator=None) -> Classifier:
    """A classifier over folded texts, cached by content; `estimator` is a fresh scikit-learn
    linear model (default: the linear SVM the entries use)."""
    key = hashlib.sha256(
        (repr(estimator) + "\x1d").encode()
        + "\x1f".join(
            f"{label}\x1e{text}" for label, text in zip(labels, texts, strict=True)
        ).encode()
    ).hexdigest()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _CACHE[key] = _fit(texts, labels, n_classes, estimator)
    return cached


def _fit(texts: list[str], labels: list[int], n_entries: int, estimator=None) -> Classifier:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorisers = [
        TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+"
        ),
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True),
    ]
    matrices = [v.fit_transform(texts) for v in vectorisers]
    model = estimator if estimator is not None else LinearSVC(C=SVM_C, random_state=SEED)
    model.fit(hstack(matrices).tocsr(), labels)
    blocks = []
    offset = 0
    for kind, vectoriser in zip(("word", "char"), vectorisers, strict=True):
        analyze = vectoriser.build_analyzer() if kind == "word" else char_wb_ngrams
        blocks.append(
            _Block(
                analyze=analyze,
                kind=kind,
                vocabulary=dict(vectoriser.vocabulary_),
                idf=np.asarray(vectoriser.idf_, dtype=float),
                offset=offset,
            )
        )
        offset += len(vectoriser.vocabulary_)
    # Entries with no training text never appear in model.classes_: give them no chance.
    weights = np.zeros((offset, n_entries))
    intercept = np.full(n_entries, -10.0)
    coef = model.coef_ if len(model.classes_) > 2 else np.vstack([-model.coef_, model.coef_])
    bias = (
        model.intercept_
        if len(model.classes_) > 2
        else np.array([-model.intercept_[0], model.intercept_[0]])
    )
    for row, label in enumerate(model.classes_):
        weights[:, label] = coef[row]
        intercept[label] = bias[row]
    return Classifier(blocks, np.ascontiguousarray(weights), intercept)
