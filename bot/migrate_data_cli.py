"""`podium migrate-data --from URL --to URL`: moves a season from one database to another
(SQLite to PostgreSQL, typically) with a progress bar and a checked summary.

Steps: refuse what cannot work (same database, a missing source file, a source not at this
Podium's revision, a target holding rows, a SQLite file another Podium process writes),
holding each SQLite file's writer lock so no bot changes it meanwhile; then migrate the
target's schema with the real migrations and copy every table (``storage.transfer``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError

if TYPE_CHECKING:
    from storage.engine import Database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Refused(Exception):
    """The copy cannot start; the message says why and what to do. Nothing was written."""


class ProgressBar:
    """A text progress bar on ``stream``: redrawn in place on a terminal, one line per
    tenth of the work otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.width = width
        self.interactive = stream.isatty()
        self._last_tenth = -1

    def advance(self, table: str, rows: int) -> None:
        """Count ``rows`` more rows copied, the latest from ``table``."""
        self.done += rows
        tenth = self.done * 10 // max(self.total, 1)
        if self.interactive:
            self.stream.write("\r" + self._line(table))
        elif tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self._line(table) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line on a terminal."""
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, table: str) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = round(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        return f"[{bar}] {share:4.0%}  {self.done:,}/{self.total:,} rows  {table:<24}"


def database_url(value: str, which: str) -> URL:
    """``value`` as a URL Podium can open: plain ``sqlite:///`` and ``postgresql://`` (or
    ``postgres://``) get Podium's async drivers.

    Raises:
        Refused: for a URL that is not SQLite or PostgreSQL, or an in-memory database.
    """
    try:
        url = make_url(value)
    except ArgumentError:
        raise Refused(f"{which} is not a database URL: {value!r}") from None
    backend = "postgresql" if url.drivername == "postgres" else url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise Refused(f"{which} must be a SQLite or PostgreSQL URL, not {backend}")
    if url.drivername in (backend, "postgres"):
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
    if url.drivername != _ASYNC_DRIVERS[backend]:
        raise Refused(f"{which}: use the driver {_ASYNC_DRIVERS[backend]}, not {url.drivername}")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise Refused(f"{which} must name a SQLite file")
    return url


def _configured_url(args: argparse.Namespace) -> str:
    """``DATABASE_URL`` from the environment or the env file: the default target, so inside
    a container (compose's ``migrate`` service) ``--to`` may be left out."""
    from bot.cli_common import load_settings_only

    return load_settings_only(args).DATABASE_URL


def _sqlite_path(url: URL) -> Path | None:
    return Path(url.database or "") if url.get_backend_name() == "sqlite" else None


def _same_database(a: URL, b: URL) -> bool:
    path_a, path_b = _sqlite_path(a), _sqlite_path(b)
    if path_a is not None and path_b is not None:
        return path_a.resolve() == path_b.resolve()
    return a.render_as_string(hide_password=False) == b.render_as_string(hide_password=False)


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def cmd_migrate_data(args: argparse.Namespace) -> int:
    """Copy every table from ``--from`` into ``--to``; exit 2 when refused, 1 when it fails."""
    from storage.lock import DatabaseInUse, WriterLock, acquire_writer_lock

    locks: list[WriterLock] = []
    try:
        source = database_url(args.source, "--from")
        target = database_url(args.target or _configured_url(args), "--to")
        if _same_database(source, target):
            raise Refused("--from and --to name the same database")
        source_file = _sqlite_path(source)
        if source_file is not None and not source_file.is_file():
            raise Refused(f"the source database {source_file.absolute()} does not exist")
        command = "podium migrate-data"
        for url in (source, target):
            path = _sqlite_path(url)
            if path is None:
                continue
            try:
                locks.append(acquire_writer_lock(path, command))
            except DatabaseInUse as error:
                holder = f"PID {error.pid}: {error.command}" if error.pid else "see the lock file"
                raise Refused(
                    f"the database {path} is in use by another Podium process ({holder}; lock "
                    f"file {error.lock_path}). Stop it first: a copy must not change under it."
                ) from None
            except OSError as error:
                raise Refused(f"cannot use {path}: {error.strerror}") from None
        return asyncio.run(_migrate_data(source, target, args.batch_size))
    except Refused as refusal:
        print(f"migrate-data: {refusal} Nothing was written.", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        for lock in locks:
            lock.release()


async def _migrate_data(source_url: URL, target_url: URL, batch_size: int) -> int:
    from storage.engine import Database

    source = Database(source_url.render_as_string(hide_password=False))
    target = Database(target_url.render_as_string(hide_password=False))
    stage = _Stage()
    try:
        return await _checked_copy(source, target, source_url, target_url, batch_size, stage)
    except (DBAPIError, OSError) as error:
        reason = getattr(error, "orig", None) or error
        text = str(reason).strip()
        first_line = text.splitlines()[0] if text else ""
        print(
            f"migrate-data: {stage.failed} ({type(reason).__name__}: {first_line}).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        await source.dispose()
        await target.dispose()


class _Stage:
    """What a database error interrupted, for its message."""

    failed = "cannot read the source or the target; nothing was written"


async def _checked_copy(
    source: Database,
    target: Database,
    source_url: URL,
    target_url: URL,
    batch_size: int,
    stage: _Stage,
) -> int:
    from storage.migrate import current_revision, head_revision, migrate
    from storage.transfer import CopyMismatch, copy_all, existing_rows, source_counts

    head = head_revision()
    revision = await current_revision(source)
    if revision is None:
        raise Refused(f"{_shown(source_url)} is not a Podium database (no migration applied)")
    if revision != head:
        raise Refused(
            f"the source is at revision {revision}, this Podium at {head}. Bring the source up "
            "to date first: DATABASE_URL=<the --from URL> podium migrate"
        )
    occupied = await existing_rows(target)
    if occupied:
        shown = list(occupied.items())[:5]
        listed = ", ".join(f"{name} ({count:,} rows)" for name, count in shown)
        if len(occupied) > len(shown):
            listed += f" and {len(occupied) - len(shown)} more tables"
        raise Refused(
            f"the target already holds data: {listed}. Copy into a new, empty database "
            "(a migrated one without rows is fine)."
        )
    started = time.monotonic()
    stage.failed = "migrating the target's schema failed; no rows were written"
    before, after = await migrate(target)
    if before == after:
        print(f"Target schema already at revision {after}.")
    else:
        print(f"Target schema migrated from {before or 'empty'} to {after}.")
    bar = ProgressBar(sum((await source_counts(source)).values()), sys.stdout)
    stage.failed = "the copy failed and the target's rows were rolled back (its schema stays)"
    try:
        report = await copy_all(source, target, batch_size=batch_size, progress=bar.advance)
    except CopyMismatch as mismatch:
        bar.finish()
        print("migrate-data: the copy did not check out; it was rolled back:", file=sys.stderr)
        for problem in mismatch.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAILED
    bar.finish()
    elapsed = time.monotonic() - started
    print(
        f"Copied {report.rows:,} rows in {len(report.tables)} tables from {_shown(source_url)} "
        f"to {_shown(target_url)} in {elapsed:.1f} s."
    )
    print(f"  {'table':<28}{'source':>10}{'target':>10}")
    for table in report.tables:
        if table.source_rows or table.target_rows:
            print(f"  {table.name:<28}{table.source_rows:>10,}{table.target_rows:>10,}")
    empty = sum(1 for t in report.tables if not t.source_rows and not t.target_rows)
    print(f"  ({empty} more tables are empty in both)")
    print("Row counts match in every table.")
    if report.sequences:
        print(
            f"{len(report.sequences)} sequences set: each gives its next id above its table's "
            "highest."
        )
    password = " (with its password)" if target_url.password else ""
    print(
        f"Next: set DATABASE_URL={_shown(target_url)}{password} in .env and start Podium on "
        "it; keep the source as a backup."
    )
    return EXIT_OK


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def add_migrate_data_command(sub: Any) -> None:
    """Register ``migrate-data`` on the ``podium`` parser."""
    parser = sub.add_parser(
        "migrate-data",
        help="copy every table from one database to another (SQLite to PostgreSQL)",
        description="Copy a season from the database at --from (e.g. the SQLite file) into "
        "the empty database at --to (e.g. PostgreSQL): migrates the target's schema, copies "
        "every table with a progress bar, sets PostgreSQL's sequences past the copied ids and "
        "checks every table's row count before committing. Refuses a target that holds rows, "
        "and a SQLite file a running Podium writes (stop the bot first). Exit 2: refused, "
        "nothing written; exit 1: the copy failed and was rolled back.",
    )
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="the database to copy, e.g. sqlite+aiosqlite:///podium.db",
    )
    parser.add_argument(
        "--to",
        dest="target",
        metavar="URL",
        help="the empty target, e.g. postgresql+asyncpg://podium:PASSWORD@db/podium "
        "(default: DATABASE_URL)",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive,
        default=1_000,
        metavar="ROWS",
        help="rows read and written per round trip (default 1000)",
    )
    parser.set_defaults(func=cmd_migrate_data)
