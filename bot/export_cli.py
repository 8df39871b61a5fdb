"""`podium export DIR [--force]`: the competition's data as UTF-8 CSV files for organizers.

Writes teams.csv, members.csv, ledger.csv, votes.csv, submissions.csv, deliveries.csv and
profiles.csv (one column per ``[registration]`` field; each file with a header row) into
DIR, creating it. Rows are streamed from the database, never
held in memory as a whole table. Phone numbers are masked (country code and last four
digits). Existing files are left alone unless ``--force``; each file is written under a
temporary name and renamed when complete, so a failed run never leaves half a file. The
files are private to the user running the command (mode 0600).
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TextIO

from bot.bootstrap import migrated_services
from bot.config import CompetitionConfig, Settings
from bot.services.privacy_csv import CSV_FILES
from storage.files import PRIVATE_MODE

EXIT_OK = 0
EXIT_REFUSED = 1
#: The participant profiles, whose columns follow the configured fields.
PROFILES_CSV = "profiles.csv"


def _open_for_writing(path: Path) -> TextIO:
    # Private (0600) like the database the rows come from, whatever the umask.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    os.fchmod(fd, PRIVATE_MODE)
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


def run_export(
    settings: Settings, competition: CompetitionConfig, directory: Path, *, force: bool
) -> int:
    """Write every CSV of ``CSV_FILES`` into ``directory``; returns an exit code (1 when a
    file exists and ``force`` is false, or ``directory`` cannot be created)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"export: cannot create {directory}: {error.strerror}", file=sys.stderr)
        return EXIT_REFUSED
    if not directory.is_dir():
        print(f"export: {directory} is not a directory", file=sys.stderr)
        return EXIT_REFUSED
    existing = [name for name in (*CSV_FILES, PROFILES_CSV) if (directory / name).exists()]
    if existing and not force:
        print(
            f"export: {', '.join(existing)} already exist in {directory}; "
            "use --force to overwrite them",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    return asyncio.run(_export(settings, competition, directory))


async def _write(header: Sequence[str], source: AsyncIterator[list[str]], path: Path) -> int:
    partial = path.with_name(path.name + ".partial")
    rows = 0
    handle = _open_for_writing(partial)
    try:
        writer = csv.writer(handle)
        writer.writerow(header)
        async for row in source:
            writer.writerow(row)
            rows += 1
    except BaseException:
        handle.close()
        partial.unlink(missing_ok=True)
        raise
    handle.close()
    os.replace(partial, path)
    return rows


async def _each(rows: list[list[str]]) -> AsyncIterator[list[str]]:
    for row in rows:
        yield row


async def _export(settings: Settings, competition: CompetitionConfig, directory: Path) -> int:
    async with migrated_services(
        settings.DATABASE_URL, competition, guild_id=settings.DISCORD_GUILD_ID
    ) as services:
        for name in CSV_FILES:
            count = await _write(CSV_FILES[name], services.privacy.csv_rows(name), directory / name)
            print(f"{name}: {count} rows")
        profiles = services.profiles
        count = await _write(
            profiles.csv_header(), _each(await profiles.csv_rows()), directory / PROFILES_CSV
        )
        print(f"{PROFILES_CSV}: {count} rows")
    print(f"Export written to {directory} (phone numbers masked).")
    return EXIT_OK
