"""Tokens sealed at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server's
LANGNGHE_SECRET_KEY, so a copied database or backup does not hand over the OA.

The key never sits next to the data; the secret must therefore stay the same for the life of
the tokens (if it changes, the admin pastes a new pair). Sealed form: "v1:" + base64url(nonce ‖
ciphertext ‖ tag), bound to its purpose by the associated data.
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


class Unreadable(ValueError):
    """Sealed under another secret (or tampered with)."""


class Sealer:
    def __init__(self, secret: str, purpose: bytes):
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"langnghe " + purpose
        ).derive(secret.encode())
        self._aead = AESGCM(key)
        self._purpose = purpose

    def seal(self, value: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, value.encode(), self._purpose)
        return PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def open(self, value: str) -> str:
        if not value.startswith(PREFIX):
            raise Unreadable("not sealed")
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX) :])
            return self._aead.decrypt(raw[:12], raw[12:], self._purpose).decode()
        except (InvalidTag, ValueError) as error:
            raise Unreadable("sealed under another secret") from error


@lru_cache(maxsize=4)
def token_sealer(secret: str) -> Sealer:
    return Sealer(secret, b"zalo token v1")
