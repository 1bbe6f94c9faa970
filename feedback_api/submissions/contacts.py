"""Citizens' names and phone numbers, sealed at rest.

A stolen database file or backup must not hand over who reported whom. Contact fields are
stored as AES-256-GCM ciphertext ("v1:" + base64url(nonce ‖ ciphertext ‖ tag)) under a key
derived (HKDF-SHA256) from the server's LANGNGHE_SECRET_KEY, so the key never sits next to the
data; the secret must therefore stay the same for the life of the data. Reading is decided
elsewhere (submissions.service.contact_visible); this module only seals and opens. A value that
is not sealed (a row written before migration 0005) is returned as it is.
"""

from __future__ import annotations

from functools import lru_cache

from feedback_api.sealing import PREFIX, Sealer, Unreadable

UNREADABLE = "[không giải mã được]"


class ContactSealer:
    def __init__(self, secret: str):
        self._sealer = Sealer(secret, info=b"langnghe contact v1", associated_data=b"contact")

    def seal(self, value: str | None) -> str | None:
        if value is None or value.startswith(PREFIX):
            return value
        return self._sealer.seal(value)

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        try:
            return self._sealer.open(value)
        except Unreadable:
            return UNREADABLE  # sealed under another secret: say so, never crash a page


@lru_cache(maxsize=4)
def sealer_for(secret: str) -> ContactSealer:
    return ContactSealer(secret)
