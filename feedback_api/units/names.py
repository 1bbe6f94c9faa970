"""Matching what a citizen types against commune and ward names. Pure: no database.

Unit names are folded with plain diacritic folding (NFD, drop combining marks, đ → d, lower
case, punctuation to spaces), never with the FAQ's normaliser: a unit index must not change
shape when the FAQ's abbreviations are tuned (DESIGN.md, "A search index does not depend on
the FAQ's tuning"). Typos are scored with rapidfuzz.

A name is split into an optional kind word ("xã", "phường", "p.", "đặc khu"...) and its core
("hoa binh"). Typed input is compared core to core; free text (a tip's description) is scanned
for mentions: a kind word followed by a name, or a multi-word name on its own (weaker).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^0-9a-z]+")

# Folded kind words, longest first, and the unit kinds they name.
KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("thi tran", "township"),
    ("dac khu", "special_zone"),
    ("phuong", "ward"),
    ("xa", "commune"),
    ("tt", "township"),
    ("ph", "ward"),
    ("p", "ward"),
    ("f", "ward"),  # chat spelling of "phường"
    ("x", "commune"),
)
_LEADING_NOISE = ("cong an", "ca", "ubnd", "o", "tai", "thuoc")
TYPED_MIN_SCORE = 80.0
MENTION_MIN_SCORE = 86.0
BARE_MENTION_SCORE = 75.0
CONFIDENT_SCORE = 90.0
CONFIDENT_MARGIN = 8.0
# Kind words examined per text: a message of "x x x x ..." must not cost thousands of scans of
# the national unit list (a place is named near its kind word a few times at most).
MAX_KIND_WORDS = 12


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Plain diacritic folding: "Phường Hoà Bình" and "phuong hoa binh" fold alike."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()
    return " ".join(_NON_WORD.sub(" ", bare).split())


def split_kind(folded: str) -> tuple[str | None, str]:
    """("ward", "hoa binh") for "phuong hoa binh"; (None, text) when no kind word leads."""
    words = folded.split()
    changed = True
    while changed and words:  # "cong an phuong ...", "o xa ...": drop leading noise words
        changed = False
        for noise in _LEADING_NOISE:
            n = noise.split()
            if words[: len(n)] == n and len(words) > len(n):
                words, changed = words[len(n) :], True
    for word, kind in KIND_WORDS:
        w = word.split()
        if words[: len(w)] == w and len(words) > len(w):
            return kind, " ".join(words[len(w) :])
    return None, " ".join(words)


@dataclass(frozen=True)
class NameEntry:
    """One routable unit as the matcher sees it."""

    code: str
    name: str
    kind: str
    province: str

    @functools.cached_property
    def core(self) -> str:
        return split_kind(fold(self.name))[1]

    @property
    def core_words(self) -> int:
        return len(self.core.split())


@dataclass(frozen=True)
class Match:
    entry: NameEntry
    score: float
    reason: str  # "typed", "mention", "mention_bare"


def _kind_bonus(typed_kind: str | None, entry: NameEntry) -> float:
    if typed_kind is None:
        return 0.0
    return 3.0 if typed_kind == entry.kind else -3.0


def match_typed(query: str, entries: list[NameEntry], *, limit: int = 6) -> list[Match]:
    """Units whose name the citizen typed ("p hoa binh", "xa an binh", "Hòa Bình", "hoa bnh")."""
    kind, core = split_kind(fold(query))
    if not core:
        return []
    scored = []
    found = process.extract(
        core,
        [entry.core for entry in entries],
        scorer=fuzz.ratio,
        score_cutoff=TYPED_MIN_SCORE - 3,  # before the kind word's bonus
        limit=None,
    )
    for _core, raw, index in found:
        entry = entries[index]
        score = min(100.0, raw + _kind_bonus(kind, entry))
        if entry.core and score >= TYPED_MIN_SCORE:
            scored.append(Match(entry, round(score, 1), "typed"))
    scored.sort(key=lambda m: (-m.score, m.entry.name, m.entry.province))
    return scored[:limit]


def find_mentions(text: str, entries: list[NameEntry], *, limit: int = 6) -> list[Match]:
    """Communes named in free text: "...đầu ngõ 7 P. Hoà Bình..." → Hòa Bình."""
    words = fold(text).split()
    best: dict[str, Match] = {}

    def offer(match: Match) -> None:
        key = match.entry.code
        if key not in best or best[key].score < match.score:
            best[key] = match

    by_length: dict[int, tuple[list[str], list[NameEntry]]] = {}
    for entry in entries:  # grouped by word count, so each group is one C-speed comparison
        if entry.core_words:
            cores, group = by_length.setdefault(entry.core_words, ([], []))
            cores.append(entry.core)
            group.append(entry)
    examined = 0
    for i in range(len(words)):
        if examined >= MAX_KIND_WORDS:
            break
        for word, kind in KIND_WORDS:
            w = word.split()
            if words[i : i + len(w)] != w:
                continue
            examined += 1
            after = words[i + len(w) :]
            for n, (cores, group) in by_length.items():
                if len(after) < n:
                    continue
                candidate = " ".join(after[:n])
                for _core, raw, index in process.extract(
                    candidate,
                    cores,
                    scorer=fuzz.ratio,
                    score_cutoff=MENTION_MIN_SCORE - 3,
                    limit=None,
                ):
                    score = min(100.0, raw + _kind_bonus(kind, group[index]))
                    if score >= MENTION_MIN_SCORE:
                        offer(Match(group[index], round(score, 1), "mention"))
            break  # one kind word per position ("p" must not re-match inside "phuong")
    padded = f" {' '.join(words)} "
    for entry in entries:
        if entry.core_words >= 2 and f" {entry.core} " in padded:
            offer(Match(entry, BARE_MENTION_SCORE, "mention_bare"))
    found = sorted(best.values(), key=lambda m: (-m.score, m.entry.name, m.entry.province))
    return found[:limit]


def confident(matches: list[Match]) -> bool:
    """One clear winner: high score, clearly ahead, and no other unit with the same core name
    (two communes called Hòa Bình in two provinces must be asked about)."""
    if not matches or matches[0].score < CONFIDENT_SCORE:
        return False
    top = matches[0]
    for other in matches[1:]:
        if other.entry.core == top.entry.core or other.score > top.score - CONFIDENT_MARGIN:
            return False
    return True
