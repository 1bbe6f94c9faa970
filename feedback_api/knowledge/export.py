"""`langnghe faq export DIR`: the live knowledge base written back as the FAQ's YAML files.

One file per entry, named by its id, in the shipped format, so the export can be checked with
`langnghe faq check DIR`, reviewed as a diff against faq/knowledge/ and committed as the next
seed. Each file is written whole or not at all (temporary file, then rename).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlmodel import Session

from feedback_api.knowledge import documents as docs
from feedback_api.knowledge import service


def export(*, db_session: Session, directory: Path) -> tuple[int, list[Path]]:
    """Write every live entry to `directory`; returns the live version and the files."""
    version = service.live_version(db_session=db_session)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for slug, document in service.live_documents(db_session=db_session).items():
        path = directory / f"{slug}.yaml"
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{slug}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(docs.to_yaml(document))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return version, written
