"""`podium import-points FILE.csv [--dry-run]`: the CSV import without Discord.

The same checks and the same idempotency as `/points import`: a file already imported
adds nothing, rows whose key was imported before are skipped, refused rows are listed with
their line numbers. ``--dry-run`` prints the preview and adds nothing.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.bootstrap import migrated_services
from bot.config import CompetitionConfig, Settings
from bot.errors import PodiumError
from bot.i18n import Catalogs
from bot.services.points import ImportPreview

EXIT_OK = 0
EXIT_REFUSED = 1


def _print_preview(catalogs: Catalogs, preview: ImportPreview) -> None:
    print(
        f"{preview.file_name}: {preview.rows} rows ready for {preview.teams} teams, "
        f"{preview.total:+,} points; {preview.skipped} rows already imported (skipped); "
        f"{len(preview.problems)} rows refused."
    )
    for problem in preview.problems:
        text = catalogs.gettext("en", problem.message, **problem.params)
        print(f"  line {problem.line}: {text}")
    if preview.already_imported is not None:
        print(f"This exact file was already imported (import #{preview.already_imported}).")


def run_import_points(
    settings: Settings, competition: CompetitionConfig, path: Path, *, dry_run: bool
) -> int:
    """Check ``path`` and, unless ``dry_run``, import its good rows; returns an exit code."""
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"import-points: cannot read {path}: {error.strerror}", file=sys.stderr)
        return EXIT_REFUSED
    return asyncio.run(_import(settings, competition, path.name, data, dry_run=dry_run))


async def _import(
    settings: Settings, competition: CompetitionConfig, name: str, data: bytes, *, dry_run: bool
) -> int:
    catalogs = Catalogs()
    async with migrated_services(
        settings.DATABASE_URL, competition, guild_id=settings.DISCORD_GUILD_ID
    ) as services:
        points = services.points
        try:
            preview = await points.preview_import(actor_id=None, file_name=name, data=data)
            _print_preview(catalogs, preview)
            if dry_run:
                await points.cancel_import(actor_id=None, import_id=preview.id)
                print("Dry run: nothing was imported.")
                return EXIT_OK
            done = await points.confirm_import(actor_id=None, import_id=preview.id)
        except PodiumError as error:
            print(
                f"import-points: {catalogs.gettext('en', error.message, **error.params)}",
                file=sys.stderr,
            )
            return EXIT_REFUSED
    print(f"Imported {done.entries} entries ({done.total:+,} points) as import #{done.id}.")
    return EXIT_OK
