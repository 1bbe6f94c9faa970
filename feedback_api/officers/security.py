"""Password hashing (argon2id) and random tokens."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the username is unknown, so that the response time does
    not tell an attacker which usernames exist. Made on first use, not at import."""
    return hash_password("not-a-real-password-but-same-cost")


def same_secret(supplied: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two secrets as UTF-8 bytes. `secrets.compare_digest` on str
    raises TypeError for non-ASCII text, which any client can send (a 500, not a refusal)."""
    if not supplied or not expected:
        return False
    return secrets.compare_digest(supplied.encode(), expected.encode())
