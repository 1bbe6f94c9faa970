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


@dataclass(frozen=True)
class _Block:
    """One TF-IDF vectoriser, reduced to what inference needs."""

    analyze: Callable[[str], list[str]]
    kind: str  # "word" or "char": models with the same kind analyse text the same way
    vocabulary: dict[str, int]
    idf: list[float]  # a list: indexing numpy scalars one by one is several times slower
    offset: int


def training_texts(entries: Sequence[Entry]) -> tuple[list[str], list[int]]:
    """Every variant, the title and each keyword of every entry, folded, with its entry index."""
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

    @classmethod
    def train(cls, entries: Sequence[Entry]) -> Classifier:
        texts, labels = training_texts(entries)
        return fit_texts(texts, labels, len(entries))

    def margins(self, text: str) -> np.ndarray:
        """One score per entry (higher is better); all-intercept for text with no known feature."""
        folded = normalize(text)
        rows: list[int] = []
        values: list[float] = []
        for block in self._blocks:
            vocabulary, idf = block.vocabulary, block.idf
            indices: list[int] = []
            weights: list[float] = []
            for feature, count in _counted(block.kind, block.analyze, folded):
                index = vocabulary.get(feature)
                if index is not None:
                    indices.append(index)
                    weights.append((1 + math.log(count)) * idf[index])
            if not indices:
                continue
            norm = math.sqrt(sum(w * w for w in weights))
            rows.extend(block.offset + i for i in indices)
            values.extend(w / norm for w in weights)
        if not rows:
            return self._intercept.copy()
        return np.asarray(values) @ self._weights[rows] + self._intercept


_CACHE: dict[str, Classifier] = {}
_ANALYSED: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {}
_ANALYSED_MAX = 256


def _counted(kind: str, analyze, folded: str) -> tuple[tuple[str, int], ...]:
    """The features of a text and their counts, remembered for the next model asked about the
    same message (the ranker's classifier and the emergency model analyse it alike)."""
    key = (kind, folded)
    found = _ANALYSED.get(key)
    if found is None:
        found = tuple(Counter(analyze(folded)).items())
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
        blocks.append(
            _Block(
                analyze=vectoriser.build_analyzer(),
                kind=kind,
                vocabulary=dict(vectoriser.vocabulary_),
                idf=[float(x) for x in vectoriser.idf_],
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
