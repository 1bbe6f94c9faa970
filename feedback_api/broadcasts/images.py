"""A campaign's optional image: validated and re-encoded (metadata stripped) by the same store
as citizens' attachments, kept by content hash under data_dir/broadcast-images."""

from __future__ import annotations

from pathlib import Path

from feedback_api.attachments.storage import AttachmentRejected, AttachmentStore
from feedback_api.broadcasts.service import BroadcastError
from feedback_api.settings import Settings


def store_for(settings: Settings) -> AttachmentStore:
    return AttachmentStore(
        settings.data_dir / "broadcast-images", max_bytes=settings.broadcast_max_image_bytes
    )


def save(settings: Settings, content: bytes, filename: str | None, content_type: str | None) -> str:
    """Store an uploaded image; returns its name (the public copy's digest)."""
    try:
        stored = store_for(settings).store(
            content, claimed_name=filename, claimed_type=content_type
        )
    except AttachmentRejected as exc:
        raise BroadcastError(exc.message_vi) from None
    if not stored.mime.startswith("image/"):
        raise BroadcastError("Chỉ đính kèm được ảnh (JPEG, PNG, WebP).")
    return stored.public_sha256


def path_of(settings: Settings, name: str) -> Path:
    return store_for(settings).public_path(name)
