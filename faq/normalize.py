"""Vietnamese text normalisation for matching what citizens type on phones.

Citizens write with or without diacritics, with misplaced tone marks, chat abbreviations
("cccd", "ko", "dc"), teencode and stretched letters ("khongggg"). Matching works on a folded
form — lower case, no tone marks, "đ" as "d", abbreviations spelled out — so that every way of
typing the same question lands on the same tokens. The folding is deliberately lossy: the
knowledge base and the query go through the same function, so both lose the same information.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from faq.abbreviations import ABBREVIATIONS, CONTEXTUAL, PHRASES

_NON_WORD = re.compile(r"[^0-9a-z]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_NUMBER_UNIT = re.compile(r"^(\d+)(t|tuoi|tr|k|h|km)$")
_FINAL_PARTICLES = frozenset({"a"})
_PHRASE = re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, PHRASES)) + r")(?![a-z0-9])")
_NUMBER_UNITS = {"t": "tuoi", "tuoi": "tuoi", "tr": "trieu", "k": "nghin", "h": "gio", "km": "km"}


def fold(text: str) -> str:
    """Lower-case and strip every diacritic, whatever the Unicode form of the input.

    NFD decomposition separates base letters from combining tone and vowel marks, so NFC,
    NFD and mixed input all fold the same way. "đ" has no decomposition and is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "d")


def nfc(text: str) -> str:
    """Return the composed (NFC) form used for storage and display."""
    return unicodedata.normalize("NFC", text)


def _squash(token: str) -> str:
    """Reduce letters typed three or more times in a row ("khongggg" → "khong").

    "u" keeps two: Vietnamese spells "cứu", "hưu", "bưu" with "uu", and "cuuuuu" is a cry.
    """
    return _STRETCHED.sub(lambda m: "uu" if m.group(1) == "u" else m.group(1), token)


def _expand(tokens: list[str]) -> list[str]:
    """Spell out abbreviations; ambiguous ones ("mk": mình / mật khẩu) look at their neighbours."""
    out: list[str] = []
    for index, token in enumerate(tokens):
        rule = CONTEXTUAL.get(token)
        if rule is not None:
            neighbours = set(tokens[max(0, index - 2) : index] + tokens[index + 1 : index + 3])
            out.extend((rule.if_near if neighbours & rule.near else rule.otherwise).split())
            continue
        if token in _FINAL_PARTICLES and index == len(tokens) - 1:
            out.append(token)  # "... ạ" ends a polite sentence; it is not "anh"
            continue
        number = _NUMBER_UNIT.match(token)
        if number:
            out.extend((number.group(1), _NUMBER_UNITS[number.group(2)]))
            continue
        out.extend(ABBREVIATIONS.get(token, token).split())
    return out


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Split text into folded, de-abbreviated word tokens (punctuation and emoji dropped)."""
    folded = _NON_WORD.sub(" ", fold(text))
    folded = _PHRASE.sub(lambda m: PHRASES[m.group(0)], " ".join(folded.split()))
    raw = [t if t in ABBREVIATIONS or t in CONTEXTUAL else _squash(t) for t in folded.split()]
    return tuple(_expand(raw))


def normalize(text: str) -> str:
    """The folded, de-abbreviated form of text as one space-separated string."""
    return " ".join(tokens(text))
