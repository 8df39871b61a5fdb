"""Files Podium writes are private to the user it runs as (mode 0600).

The database holds phone numbers and session rows, backups are whole copies of it, and
exports list members: none of it is for other local users. The ``podium`` command sets a
0o077 umask at start (``private_umask``), and the code that creates such files also asks
for 0600 itself, so the promise holds when it is used as a library too. SQLite creates a
database's ``-wal`` and ``-shm`` files with the database file's own mode, so a private
database keeps its WAL private.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o600
PRIVATE_UMASK = 0o077
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_umask() -> int:
    """Make every file this process creates from now on private; returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def make_private(path: Path) -> bool:
    """Remove group and other permissions from ``path`` if it exists and has any.

    Returns True when the mode was changed. A file that cannot be changed (another owner)
    is left as it is: refusing to start over it would help nobody.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if mode & 0o077 == 0:
        return False
    with contextlib.suppress(PermissionError):
        path.chmod(mode & 0o700)
        return True
    return False


def make_sqlite_private(database: Path) -> None:
    """``make_private`` for a SQLite database and its WAL, shared-memory and journal files."""
    make_private(database)
    for suffix in SQLITE_SIDE_FILES:
        make_private(database.with_name(database.name + suffix))


def create_private(path: Path) -> int:
    """Create ``path`` (which must not exist) with mode 0600 and return its open descriptor
    (write-only); raises ``FileExistsError`` when it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    # A strict umask may have taken the owner's bits too.
    os.fchmod(fd, PRIVATE_MODE)
    return fd
