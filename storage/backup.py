"""Online backup of the SQLite database (safe while the bot is running).

The copy is made with ``VACUUM INTO`` (SQLite 3.27+) from a read-only connection: one read
transaction, so the copy is the database as it was when the backup started, and the bot
may keep writing meanwhile. SQLite's paged backup API (``Connection.backup``), used before,
restarts its copy whenever another connection writes between two steps: under a bot that
writes every few milliseconds it could take minutes or never finish.

The copy is written under a temporary name next to the destination, created private
(0600), checked with ``PRAGMA integrity_check`` and only then linked to its final name, so
a failed or interrupted backup never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy import make_url

from storage.files import create_private

MIN_SQLITE_VERSION = (3, 27, 0)  # VACUUM INTO


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def backup_sqlite(database_url: str, destination: Path) -> int:
    """Copy the database at ``database_url`` into ``destination`` (mode 0600).

    Consistent and bounded in time whatever the bot writes meanwhile: the copy holds every
    transaction committed before it started. Refuses to overwrite an existing file.
    Returns the number of pages of the copy.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "only SQLite databases can be backed up this way; use pg_dump for PostgreSQL"
        )
    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        raise BackupError(
            f"SQLite {sqlite3.sqlite_version} is too old for online backups (3.27 or later "
            "is needed); use a newer Python"
        )
    source_path = Path(url.database or "")
    if not source_path.is_file():
        raise BackupError(f"no database file at {source_path} (run `podium migrate` first?)")
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    # VACUUM INTO accepts an empty file: creating it first makes the copy private from
    # its first byte, whatever the umask. (A leftover of a crashed run is ours to remove.)
    partial.unlink(missing_ok=True)
    os.close(create_private(partial))
    try:
        pages = _copy(source_path, partial)
        _publish(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return pages


def _publish(partial: Path, destination: Path) -> None:
    """Give the finished copy its name without ever replacing an existing file."""
    try:
        # A hard link fails if the destination appeared meanwhile.
        os.link(partial, destination)
    except FileExistsError:
        raise BackupError(f"{destination} already exists; choose a new file name") from None
    except OSError:
        # File systems without hard links: a rename, after one more check.
        if destination.exists():
            raise BackupError(f"{destination} already exists; choose a new file name") from None
        os.rename(partial, destination)


def _copy(source_path: Path, target: Path) -> int:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        source.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as error:
        raise BackupError(f"the copy failed: {error}") from error
    finally:
        source.close()
    copy = sqlite3.connect(target)
    try:
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
    if result != "ok":
        raise BackupError(f"the copy failed its integrity check ({result}); nothing was kept")
    with contextlib.suppress(OSError):
        # Flush the copy before it gets its final name.
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return pages
