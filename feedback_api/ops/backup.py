"""`langnghe backup FILE` / `langnghe restore FILE`: the database, consistently, while it runs.

* SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot page
  by page while the server keeps writing; copying the file (with its WAL beside it) would not
  be consistent. Restore uses the same API in the other direction.
* PostgreSQL: `pg_dump -Fc` (compressed custom format) and `pg_restore --clean --if-exists`,
  the tools every PostgreSQL operator knows; they must be installed (postgresql-client) and of
  the server's major version or newer.

Attachment files are not in the database: back up the attachments directory beside it
(docs/deploy.md). Restore replaces the whole database: stop the server and workers first.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://… → postgresql://… (what pg_dump understands)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at `url` to `target` (replaced if present)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_path(url)
    partial = target.with_name(target.name + ".partial")
    if source is not None:
        if not source.is_file():
            raise BackupError(f"no database at {source}")
        partial.unlink(missing_ok=True)
        with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
            live.backup(copy)
        copy.close()
        live.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", _libpq_url(url)])
    partial.replace(target)  # a failed backup never leaves a file that looks complete


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup in `source`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    target = _sqlite_path(url)
    with source.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if target is not None:
        if header != SQLITE_HEADER:
            raise BackupError(f"{source} is not a SQLite backup")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as backup_db, sqlite3.connect(target) as live:
            backup_db.backup(live)
        backup_db.close()
        live.close()
        return
    if not header.startswith(b"PGDMP"):
        raise BackupError(f"{source} is not a pg_dump custom-format backup (pg_dump -Fc)")
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(url)}",
            str(source),
        ]
    )
