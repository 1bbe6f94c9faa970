"""The Zalo OA's tokens sealed at rest with the server's sealing (feedback_api/sealing.py), under
their own derived key: a copied database or backup does not hand over the OA."""

from __future__ import annotations

from functools import lru_cache

from feedback_api.sealing import Sealer, Unreadable

__all__ = ["Unreadable", "token_sealer"]


@lru_cache(maxsize=4)
def token_sealer(secret: str) -> Sealer:
    return Sealer(secret, info=b"langnghe zalo token v1", associated_data=b"zalo token v1")
