"""Group the questions the FAQ could not answer, so officers read each need once, with a count.

Questions are compared on the FAQ's normalised text (diacritics folded, teencode expanded:
"lam cccd o dau z ad" and "Làm căn cước ở đâu ạ" meet), first by equality, then with
rapidfuzz's token-sort ratio, which forgives typos and word order but, unlike a token-set
ratio, does not merge a short question into every longer one that contains it. Groups are
computed when read, never stored: a better normaliser regroups old questions for free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from faq.normalize import normalize

SIMILARITY = 82
MAX_PHRASINGS = 8


@dataclass(frozen=True)
class Asked:
    id: int
    text: str
    asked_at: dt.datetime


@dataclass
class Group:
    key: str
    members: list[Asked] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members)

    def phrasings(self) -> list[str]:
        """Distinct phrasings (by normalised text), the most asked first; of the ways to write
        one phrasing, the one with diacritics (easier to read), then the earliest."""
        by_key: dict[str, list[Asked]] = {}
        for asked in self.members:
            by_key.setdefault(normalize(asked.text), []).append(asked)
        ranked = sorted(by_key.values(), key=lambda same: (-len(same), min(a.id for a in same)))
        return [_readable(same).text for same in ranked][:MAX_PHRASINGS]


def _readable(same: list[Asked]) -> Asked:
    return min(same, key=lambda a: (-sum(not c.isascii() for c in a.text), a.id))


def group(questions: list[Asked], *, similarity: int = SIMILARITY) -> list[Group]:
    """Groups, largest first; questions with no words at all (emoji, punctuation) are left out."""
    buckets: dict[str, list[Asked]] = {}
    for asked in questions:
        key = normalize(asked.text)
        if key:
            buckets.setdefault(key, []).append(asked)
    groups: list[Group] = []
    keys: list[str] = []
    for key, members in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=similarity)
        if found is None:
            groups.append(Group(key, list(members)))
            keys.append(key)
        else:
            groups[found[2]].members.extend(members)
    return sorted(groups, key=lambda g: (-g.count, min(a.id for a in g.members)))
