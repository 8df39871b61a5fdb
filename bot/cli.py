"""The `podium` command line: run, migrate, check-config, backup."""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli_common import (
    EXIT_CONFIG,
    EXIT_OK,
    CommandExit,
    load_for_run,
    load_settings_only,
    load_without_discord,
)
from bot.logs import settings_secrets, setup_logging
from storage.files import private_umask


def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate .env and competition.toml; one line per problem, exit 2 if any."""
    settings, competition = load_for_run(args)
    print(
        f"Configuration OK: competition '{competition.competition.name}', "
        f"timezone {competition.competition.timezone}, {len(competition.cohorts)} cohorts, "
        f"{len(competition.tracks)} tracks, database {settings.DATABASE_URL.split(':', 1)[0]}, "
        f"WhatsApp {'on' if settings.whatsapp_enabled else 'off'}."
    )
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Check the configuration, then run the bot until stopped."""
    only = getattr(args, "only", None)
    if only == "web":
        from bot.web_cli import cmd_run_web

        return cmd_run_web(args)
    if args.print_login_link is not None:
        print("run: --print-login-link works with --only web", file=sys.stderr)
        return EXIT_CONFIG
    from sqlalchemy import make_url

    from bot.roles import ALL, SPLIT, split_refusal

    role = SPLIT[only] if only else ALL
    settings, competition = load_for_run(args)
    if role is not ALL and make_url(settings.DATABASE_URL).get_backend_name() == "sqlite":
        sys.stderr.write(split_refusal(role))
        return EXIT_CONFIG
    setup_logging(settings.LOG_LEVEL, secrets=settings_secrets(settings))
    from bot.runner import run

    try:
        return asyncio.run(run(settings, competition, role))
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply database migrations (needs only DATABASE_URL)."""
    settings = load_settings_only(args)
    setup_logging(settings.LOG_LEVEL, secrets=settings_secrets(settings))
    from storage.engine import Database
    from storage.migrate import migrate

    async def _migrate() -> tuple[str | None, str | None]:
        db = Database(settings.DATABASE_URL)
        try:
            return await migrate(db)
        finally:
            await db.dispose()

    before, after = asyncio.run(_migrate())
    if before == after:
        print(f"Database already at revision {after}.")
    else:
        print(f"Database migrated from {before or 'empty'} to {after}.")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the SQLite database to FILE while the bot may be running."""
    settings = load_settings_only(args)
    from storage.backup import BackupError, backup_sqlite

    try:
        pages = backup_sqlite(settings.DATABASE_URL, Path(args.file))
    except BackupError as error:
        print(f"backup: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"Backup written to {args.file} ({pages} pages).")
    return EXIT_OK


def cmd_import_points(args: argparse.Namespace) -> int:
    """Import a points CSV (same checks and idempotency as /points import)."""
    settings, competition = load_without_discord(args, existing_database="import-points")
    setup_logging("WARNING")
    from bot.points_cli import run_import_points

    return run_import_points(settings, competition, Path(args.file), dry_run=args.dry_run)


def cmd_import_results(args: argparse.Namespace) -> int:
    """Import a store export (same checks and idempotency as /results import)."""
    settings, competition = load_without_discord(args, existing_database="import-results")
    setup_logging("WARNING")
    from bot.results_cli import run_import_results

    return run_import_results(
        settings,
        competition,
        Path(args.file),
        platform=args.platform,
        team=args.team,
        apply=args.apply,
    )


def cmd_export(args: argparse.Namespace) -> int:
    """Write the competition's data as CSV files (phone numbers masked) into DIR."""
    settings, competition = load_without_discord(args, existing_database="export")
    setup_logging("WARNING")
    from bot.export_cli import run_export

    return run_export(settings, competition, Path(args.dir), force=args.force)


def package_version() -> str:
    """The installed package's version (from its metadata, i.e. pyproject.toml)."""
    try:
        return importlib.metadata.version("podium")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed: run `make run` or `pip install -e .`)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the README's command list)."""
    parser = argparse.ArgumentParser(
        prog="podium", description="Podium: a Discord + WhatsApp bot for online competitions."
    )
    parser.add_argument(
        "--env-file",
        default=".env",
        help="settings file to read besides the environment (default: .env)",
    )
    parser.add_argument("--version", action="version", version=f"podium {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_parser = sub.add_parser(
        "run",
        help="start the bot, scheduler, WhatsApp relay and web server",
        description="Check .env and competition.toml, apply database migrations, then run the "
        "Discord bot, the scheduler, the WhatsApp relay and the web server in one process "
        "until stopped (Ctrl+C or SIGTERM). On PostgreSQL they can run as separate "
        "processes instead (--only): one gateway, any number of workers and web processes.",
    )
    run_parser.add_argument(
        "--only",
        choices=["gateway", "worker", "web"],
        help="run one part alone: gateway = the Discord connection (commands, buttons, "
        "events); worker = the scheduled jobs, their Discord posts and the WhatsApp relay; "
        "web = the pages, the dashboard and the Twilio webhooks (no Discord token needed). "
        "gateway and worker need PostgreSQL",
    )
    run_parser.add_argument(
        "--print-login-link",
        type=int,
        metavar="ID",
        help="with --only web: print a dashboard login link for organizer ID once the web "
        "server listens (make run-demo uses it)",
    )
    run_parser.set_defaults(func=cmd_run, writes_database=True)
    from bot.web_cli import add_web_commands

    add_web_commands(sub)
    sub.add_parser(
        "migrate",
        help="apply database migrations",
        description="Bring the database at DATABASE_URL to the latest revision (creating it "
        "if needed) and say which revision it is at. `podium run` does this by itself.",
    ).set_defaults(func=cmd_migrate, writes_database=True)
    sub.add_parser(
        "check-config",
        help="validate .env and competition.toml, one line per problem",
        description="Validate .env and competition.toml without starting anything: one line "
        "per problem with how to fix it; exit code 2 if there is any.",
    ).set_defaults(func=cmd_check_config)
    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database to FILE (safe while running)",
        description="Copy the SQLite database into FILE with SQLite's online backup: the copy "
        "is consistent even while the bot runs. Never overwrites FILE. PostgreSQL: use pg_dump.",
    )
    backup.add_argument("file", metavar="FILE", help="where to write the copy (a new file)")
    backup.set_defaults(func=cmd_backup)
    points = sub.add_parser(
        "import-points",
        help="import a points CSV (team, points, reason, member, key)",
        description="Import a points CSV (columns team, points, reason, member, key) into the "
        "existing database with the same checks and idempotency as /points import.",
    )
    points.add_argument("file", metavar="FILE.csv", help="the CSV file to import (UTF-8)")
    points.add_argument("--dry-run", action="store_true", help="check and preview, add nothing")
    points.set_defaults(func=cmd_import_points, writes_database=True)
    results = sub.add_parser(
        "import-results",
        help="import a store export (orders or daily totals, CSV or XLSX)",
        description="Check a store's export (orders, or per-team daily totals; CSV or XLSX, "
        "any size) against the platform's column mapping in competition.toml and print "
        "what it would add, correct and refuse; with --apply, import it (the same checks "
        "and idempotency as /results import), with a progress bar.",
    )
    results.add_argument("file", metavar="FILE", help="the export file (.csv or .xlsx)")
    results.add_argument(
        "--platform", required=True, help="the platform of [results.platforms] the file is from"
    )
    results.add_argument(
        "--team", help="the team whose store this is (omit when the file has a team column)"
    )
    results.add_argument("--apply", action="store_true", help="import; without it only check")
    results.set_defaults(func=cmd_import_results, writes_database=True)
    export = sub.add_parser(
        "export",
        help="write teams, members, ledger, votes, submissions, deliveries as CSV",
        description="Write the competition's teams, members, ledger, votes, submissions and "
        "deliveries from the existing database as UTF-8 CSV files into DIR (phone numbers "
        "masked).",
    )
    export.add_argument("dir", metavar="DIR", help="folder for the CSV files (created if needed)")
    export.add_argument("--force", action="store_true", help="overwrite existing CSV files")
    export.set_defaults(func=cmd_export)
    from bot.migrate_data_cli import add_migrate_data_command

    add_migrate_data_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``podium`` console script."""
    args = build_parser().parse_args(argv)
    # The database, its WAL, backups and exports hold personal data: whatever this
    # process creates is for its own user only.
    private_umask()
    try:
        if getattr(args, "writes_database", False):
            from bot.single_writer import run_holding_writer_lock

            return run_holding_writer_lock(args, argv)
        return int(args.func(args))
    except CommandExit as stop:
        return stop.code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
