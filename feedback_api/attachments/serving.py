"""How a stored file goes out to an officer: one rule for the API and the web view.

Cleaned officer copies of pictures, videos and voice/audio recordings are shown in the page
(inline). PDFs are always
downloaded (a browser's PDF viewer runs document scripts and forms), and so is every sealed
original: it still carries the sender's metadata (GPS, author), so it is never displayed in
the page, only saved on purpose by an admin. Nothing is cached.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from feedback_api.submissions.models import Attachment

_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
}
FILE_TYPES = tuple(_EXTENSIONS)


def file_response(path: Path, attachment: Attachment, *, sealed: bool) -> FileResponse:
    inline = not sealed and attachment.mime.startswith(("image/", "video/", "audio/"))
    name = f"tep-{attachment.id}{'-goc' if sealed else ''}{_EXTENSIONS.get(attachment.mime, '')}"
    return FileResponse(
        path,
        media_type=attachment.mime,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
        },
    )
