"""Grouping similar opinions into themes, on diacritic-folded text.

Greedy single pass: each opinion joins the first theme whose members it resembles at least
`threshold` (rapidfuzz token-set ratio, 0-100), otherwise it starts a theme. Pure (no database),
so the threshold can be tuned and tested on plain strings. Officer-facing grouping, so it uses
the plain folding of `tokens`, not the FAQ's tuned normaliser.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from faq.normalize import tokens

DEFAULT_THRESHOLD = 60


def fold(text: str) -> str:
    return " ".join(tokens(text))


def similarity(a: str, b: str) -> float:
    return fuzz.token_set_ratio(fold(a), fold(b))


def group(
    items: list[tuple[int, str]],
    *,
    themes: dict[int, list[str]] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[int, int | str]:
    """Map each item id to an existing theme id, or to a new-theme label "new:<n>" shared by the
    items that belong together. `themes` holds the texts already in each existing theme."""
    members: dict[int | str, list[str]] = {
        theme_id: [fold(t) for t in texts] for theme_id, texts in (themes or {}).items()
    }
    placed: dict[int, int | str] = {}
    for item_id, text in items:
        folded = fold(text)
        target = next(
            (
                key
                for key, texts in members.items()
                if any(fuzz.token_set_ratio(folded, m) >= threshold for m in texts)
            ),
            None,
        )
        if target is None:
            target = f"new:{len(members)}"
            members[target] = []
        members[target].append(folded)
        placed[item_id] = target
    return placed
