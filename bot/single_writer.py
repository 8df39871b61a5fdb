"""The one-writer rule on the command line: a command that writes a SQLite database holds
its writer lock (``storage.lock``) for its whole run, and a second one is refused with
exit code 2, the holder's PID and command, and what to do instead.

``bot.cli.main`` calls :func:`run_holding_writer_lock` for every subcommand whose parser
sets ``writes_database=True`` (run, run --only web, migrate, import-points, import-results,
seed-demo, dashboard-link); read-only commands never come here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import make_url

from bot.config import ConfigError, load_settings
from bot.roles import SPLIT, WEB, Role, split_refusal
from storage.lock import DatabaseInUse, WriterLock, acquire_writer_lock

EXIT_IN_USE = 2

_ADVICE = {
    "run": "Stop that process first, or give this one its own DATABASE_URL.",
    "run --only web": (
        "`podium run` already serves the web pages and the dashboard; stop it first to "
        "run the web app alone."
    ),
    "migrate": "`podium run` applies the migrations at every start; stop it first to migrate.",
    "import-points": (
        "While the bot runs, import the file with /points import in Discord; or stop the bot first."
    ),
    "import-results": (
        "While the bot runs, import the file with /results import in Discord (up to 8 MB); "
        "or stop the bot first."
    ),
    "dashboard-link": (
        "While the bot runs, get a login link with /admin dashboard in Discord; or stop the "
        "bot first."
    ),
    "judge-link": (
        "While the bot runs, get a judge sign-in link on the dashboard's judging page "
        "(/admin/judging, Get a sign-in link); or stop the bot first."
    ),
    "seed-demo": (
        "The demo fills a fresh database: point DATABASE_URL at a new file, e.g. "
        "DATABASE_URL=sqlite+aiosqlite:///demo.db"
    ),
}


def _command_key(args: argparse.Namespace) -> str:
    if args.command == "run" and getattr(args, "only", None):
        return f"run --only {args.only}"
    return str(args.command)


def split_role(args: argparse.Namespace) -> Role | None:
    """The ``--only`` role that shares its database with other processes (gateway,
    worker), which SQLite refuses; None otherwise (web alone may run on SQLite)."""
    role = SPLIT.get(getattr(args, "only", None) or "")
    return role if role is not None and role is not WEB else None


def _sqlite_file(args: argparse.Namespace) -> Path | None:
    """The SQLite file the command will write, or None (PostgreSQL, or settings the
    command itself will report as invalid)."""
    try:
        settings = load_settings(args.env_file, require_discord=False)
    except ConfigError:
        return None
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def refusal(key: str, database: Path, error: DatabaseInUse) -> str:
    """What a second writer is told (several lines, ending with a newline)."""
    holder = (
        f"PID {error.pid}: {error.command}"
        if error.pid is not None and error.command
        else "see the lock file"
    )
    return (
        f"podium {key}: the database {database} is in use by another Podium process that "
        f"writes to it ({holder}; lock file {error.lock_path}).\n"
        "Only one process may write to a SQLite database at a time (README: the one-writer "
        "rule); several Podium processes at once (podium run --only gateway|worker|web) "
        "need PostgreSQL (README: Processes).\n"
        f"{_ADVICE.get(key, _ADVICE['run'])}\n"
    )


def run_holding_writer_lock(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    """Run ``args.func`` while holding the database's writer lock; exit code 2 without
    running it when another process holds the lock."""
    database = _sqlite_file(args)
    lock: WriterLock | None = None
    role = split_role(args) if args.command == "run" else None
    if database is not None and role is not None:
        sys.stderr.write(split_refusal(role))
        return EXIT_IN_USE
    if database is not None:
        command = " ".join(["podium", *(sys.argv[1:] if argv is None else argv)])
        try:
            lock = acquire_writer_lock(database, command)
        except DatabaseInUse as error:
            sys.stderr.write(refusal(_command_key(args), database, error))
            return EXIT_IN_USE
        except OSError:
            # No folder for the database: the command's own error says so.
            lock = None
    try:
        return int(args.func(args))
    finally:
        if lock is not None:
            lock.release()
