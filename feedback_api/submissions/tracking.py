"""Tracking codes: short enough to read over the phone, random enough not to guess.

Eight symbols of Crockford's base32 (no I, L, O, U: nothing to confuse or to spell a word)
carry 40 random bits, from the OS's CSPRNG. With the status lookup rate-limited, guessing a
valid code among even a million is hopeless (1 in 2^20 per try).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FORMAT = re.compile(r"^LN-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"LN-{symbols[:4]}-{symbols[4:]}"


def canonical(text: str) -> str | None:
    """The canonical form of a code as a citizen may type it ("ln 7k3m q9px"), or None."""
    compact = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if compact.startswith("LN"):
        compact = compact[2:]
    if len(compact) != 8:
        return None
    compact = compact.translate(_CONFUSABLE)
    code = f"LN-{compact[:4]}-{compact[4:]}"
    return code if _FORMAT.match(code) else None
