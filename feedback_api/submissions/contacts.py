"""Citizens' names and phone numbers, sealed at rest.

A stolen database file or backup must not hand over who reported whom. Contact fields are
stored as AES-256-GCM ciphertext ("v1:" + base64url(nonce ‖ ciphertext ‖ tag)) under a key
derived (HKDF-SHA256) from the server's LANGNGHE_SECRET_KEY, so the key never sits next to the
data; the secret must therefore stay the same for the life of the data. Reading is decided
elsewhere (submissions.service.contact_visible); this module only seals and opens. A value that
is not sealed (a row written before migration 0005) is returned as it is.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
UNREADABLE = "[không giải mã được]"


class ContactSealer:
    def __init__(self, secret: str):
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"langnghe contact v1"
        ).derive(secret.encode())
        self._aead = AESGCM(key)

    def seal(self, value: str | None) -> str | None:
        if value is None or value.startswith(PREFIX):
            return value
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, value.encode(), b"contact")
        return PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX) :])
            return self._aead.decrypt(raw[:12], raw[12:], b"contact").decode()
        except (InvalidTag, ValueError):
            return UNREADABLE  # sealed under another secret: say so, never crash a page


@lru_cache(maxsize=4)
def sealer_for(secret: str) -> ContactSealer:
    return ContactSealer(secret)
