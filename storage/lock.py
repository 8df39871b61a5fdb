"""One writing process per SQLite database: an exclusive lock held for the process's life.

Inside a process every write already goes through one connection (``storage.engine``).
Between processes, ``podium run`` and a command such as ``podium import-points`` would each
bring their own writer, and the SQLite bundled with Python here (3.40) predates the fix for
the WAL-reset corruption (3.51.3) that needs two connections writing or checkpointing at
once. So every process that writes a SQLite database first takes an exclusive,
non-blocking ``flock`` on ``<database>.lock`` (mode 0600) and keeps it until it exits; a
second one is refused at once, told who holds the lock. The kernel drops the lock when
the process ends in any way, SIGKILL included, so a crash never leaves a stale lock (the
file itself stays: removing it would let two processes lock two different files).

PostgreSQL needs no such lock. Read-only commands (``export``, ``backup``,
``check-config``) do not take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from storage.files import PRIVATE_MODE


class DatabaseInUse(Exception):
    """Another live process holds the database's writer lock."""

    def __init__(self, lock_path: Path, pid: int | None, command: str | None) -> None:
        super().__init__(f"{lock_path} is held by pid {pid} ({command})")
        self.lock_path = lock_path
        self.pid = pid
        self.command = command


def lock_path_for(database: Path) -> Path:
    """The lock file of ``database``: ``podium.db`` → ``podium.db.lock``."""
    return database.with_name(database.name + ".lock")


@dataclass(slots=True)
class WriterLock:
    """A held writer lock; ``release()`` (or process exit) gives it up."""

    path: Path
    fd: int | None

    def release(self) -> None:
        """Give the lock up (closing the descriptor releases the flock)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def acquire_writer_lock(database: Path, command: str) -> WriterLock:
    """Take ``database``'s writer lock without waiting, recording this process's PID and
    ``command`` for the message a second writer gets.

    :raises DatabaseInUse: when another process holds it.
    :raises OSError: when the lock file cannot be created (e.g. the folder is missing).
    """
    path = lock_path_for(database)
    # O_CLOEXEC (Python's default): child processes never inherit the lock.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid, holder = _read_holder(fd)
        os.close(fd)
        raise DatabaseInUse(path, pid, holder) from None
    except BaseException:
        os.close(fd)
        raise
    with contextlib.suppress(PermissionError):
        os.fchmod(fd, PRIVATE_MODE)
    record = json.dumps({"pid": os.getpid(), "command": command}).encode()
    # Write, then cut what an earlier, longer record left. (Truncating to zero first
    # would make ext4 flush the file at close: milliseconds instead of microseconds.)
    os.pwrite(fd, record, 0)
    os.ftruncate(fd, len(record))
    return WriterLock(path=path, fd=fd)


def _read_holder(fd: int) -> tuple[int | None, str | None]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    pid = data.get("pid")
    command = data.get("command")
    return (
        pid if isinstance(pid, int) else None,
        command if isinstance(command, str) else None,
    )
