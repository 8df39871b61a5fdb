"""What every `podium` command does first: load its configuration, print its problems, check
its database, and end early with the exit code when one of them fails."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import (
    CompetitionConfig,
    ConfigError,
    Settings,
    load_all,
    load_competition,
    load_settings,
)

EXIT_OK = 0
EXIT_CONFIG = 2


class CommandExit(Exception):
    """Ends a command with exit code ``code``; its reason is printed already.

    ``bot.cli.main`` returns the code, so a command reads as a straight line of steps.
    """

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def print_problems(error: ConfigError) -> int:
    """Print every configuration problem on its own line; returns exit code 2."""
    print(f"Podium cannot start: {len(error.problems)} configuration problem(s).", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem.line()}", file=sys.stderr)
    print("See .env.example and competition.example.toml for every key.", file=sys.stderr)
    return EXIT_CONFIG


def missing_database(database_url: str, command: str) -> int | None:
    """For a command that works on existing data: exit code 2 (with a message) when
    ``DATABASE_URL`` names an SQLite file that does not exist, so that a typo never
    creates an empty database. None when the database is there (or is not a file)."""
    from sqlalchemy import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database).absolute()
    if path.exists():
        return None
    print(
        f"{command}: the database {path} does not exist; nothing was done.\n"
        "Fix: check DATABASE_URL (in .env or the environment; a relative path is relative "
        "to the folder you run podium in). `podium run` and `podium migrate` create a new one.",
        file=sys.stderr,
    )
    return EXIT_CONFIG


def load_for_run(args: argparse.Namespace) -> tuple[Settings, CompetitionConfig]:
    """Everything `podium run` needs (Discord included), with every problem of the
    environment and the competition file printed together.

    Raises:
        CommandExit: with exit code 2 after printing the problems.
    """
    try:
        return load_all(args.env_file)
    except ConfigError as error:
        raise CommandExit(print_problems(error)) from None


def load_settings_only(args: argparse.Namespace) -> Settings:
    """The settings of a command that needs only the database (Discord keys may be absent).

    Raises:
        CommandExit: with exit code 2 after printing the problems.
    """
    try:
        return load_settings(args.env_file, require_discord=False)
    except ConfigError as error:
        raise CommandExit(print_problems(error)) from None


def load_without_discord(
    args: argparse.Namespace, *, existing_database: str | None = None
) -> tuple[Settings, CompetitionConfig]:
    """The settings (Discord keys may be absent) and the competition file they name.

    With ``existing_database`` (the command's name, for the message), the SQLite file
    ``DATABASE_URL`` names must exist already (see :func:`missing_database`).

    Raises:
        CommandExit: with exit code 2 after printing the problems or the missing database.
    """
    try:
        settings = load_settings(args.env_file, require_discord=False)
        competition = load_competition(settings.competition_config_path)
    except ConfigError as error:
        raise CommandExit(print_problems(error)) from None
    if existing_database is not None:
        refused = missing_database(settings.DATABASE_URL, existing_database)
        if refused is not None:
            raise CommandExit(refused)
    return settings, competition
