"""Sealing values at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server's
LANGNGHE_SECRET_KEY, one key per purpose, so the key never sits next to the data.

Sealed form: "v1:" + base64url(nonce ‖ ciphertext ‖ tag); the associated data binds a value to
its purpose (a sealed contact cannot be passed off as a sealed token). The secret must stay the
same for the life of the data. Used for citizens' contacts (submissions/contacts.py) and the
Zalo OA's tokens (zalo/service.py).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"


class Unreadable(ValueError):
    """Not sealed, sealed under another secret or purpose, or tampered with."""


class Sealer:
    def __init__(self, secret: str, *, info: bytes, associated_data: bytes):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)
        self._associated = associated_data

    def seal(self, value: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, value.encode(), self._associated)
        return PREFIX + base64.urlsafe_b64encode(sealed).decode()

    def open(self, value: str) -> str:
        if not value.startswith(PREFIX):
            raise Unreadable("not sealed")
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX) :])
            return self._aead.decrypt(raw[:12], raw[12:], self._associated).decode()
        except (InvalidTag, ValueError) as error:
            raise Unreadable("sealed under another secret") from error
