"""Online backup of the SQLite database (safe while the bot is running)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import make_url


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def backup_sqlite(database_url: str, destination: Path) -> int:
    """Copy the database at ``database_url`` into ``destination`` with SQLite's backup API.

    The copy is consistent even while the bot writes (the API restarts on changes made by
    other connections). Refuses to overwrite an existing file. Returns the number of pages.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "only SQLite databases can be backed up this way; use pg_dump for PostgreSQL"
        )
    source_path = Path(url.database or "")
    if not source_path.is_file():
        raise BackupError(f"no database file at {source_path} (run `podium migrate` first?)")
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(destination)
        try:
            source.backup(target, pages=1024)
            pages = int(target.execute("PRAGMA page_count").fetchone()[0])
            result = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
    finally:
        source.close()
    if result != "ok":
        destination.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check ({result}); nothing was kept")
    return pages
