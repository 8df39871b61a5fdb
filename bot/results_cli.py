"""`podium import-results FILE --platform P [--team T] [--apply]`: a store export (orders or
daily totals, CSV or XLSX, any size) imported without Discord.

The same checks, idempotency and corrections as `/results import`. Without ``--apply`` the
file is only checked: the counts and refused lines are printed and nothing is stored. With
it, the good lines are written in one transaction, streamed in batches with a progress bar
on stderr, audited, and the import's listeners run.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.bootstrap import migrated_services
from bot.config import CompetitionConfig, Settings
from bot.errors import PodiumError
from bot.i18n import Catalogs
from bot.services.results import ImportSummary

EXIT_OK = 0
EXIT_REFUSED = 1
SHOWN_REFUSALS = 20
BAR_WIDTH = 30


class ProgressBar:
    """``[#####.....]  45%  450,000/1,000,000 lines`` on one line of ``stream``, redrawn at
    most ten times a second (and once at the end)."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.drawn_at = 0.0
        self.done = False

    def __call__(self, current: int, total: int) -> None:
        now = time.monotonic()
        final = total > 0 and current >= total
        if not final and now - self.drawn_at < 0.1:
            return
        self.drawn_at = now
        share = min(current / total, 1.0) if total else 0.0
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {share:4.0%}  {current:,}/{max(total, current):,} lines"
        )
        if final and not self.done:
            self.stream.write("\n")
            self.done = True
        self.stream.flush()


def _print_summary(catalogs: Catalogs, summary: ImportSummary) -> None:
    print(
        f"{summary.filename} ({summary.platform}, {summary.kind}): {summary.rows_new:,} new, "
        f"{summary.rows_corrected:,} corrected, {summary.rows_unchanged:,} unchanged, "
        f"{summary.rows_refused:,} refused."
    )
    for refusal in summary.refused[:SHOWN_REFUSALS]:
        reason = catalogs.gettext("en", refusal.message, **refusal.params)
        print(f"  line {refusal.line}: {reason}")
    if summary.rows_refused > SHOWN_REFUSALS:
        print(f"  … and {summary.rows_refused - SHOWN_REFUSALS:,} more refused lines.")


def run_import_results(
    settings: Settings,
    competition: CompetitionConfig,
    path: Path,
    *,
    platform: str,
    team: str | None,
    apply: bool,
) -> int:
    """Check ``path`` and, with ``apply``, import its good lines; returns an exit code."""
    if not path.is_file():
        print(f"import-results: cannot read {path}: no such file", file=sys.stderr)
        return EXIT_REFUSED
    return asyncio.run(_import(settings, competition, path, platform, team, apply))


async def _import(
    settings: Settings,
    competition: CompetitionConfig,
    path: Path,
    platform: str,
    team: str | None,
    apply: bool,
) -> int:
    catalogs = Catalogs()
    progress = ProgressBar(sys.stderr, "Importing" if apply else "Checking")
    async with migrated_services(
        settings.DATABASE_URL, competition, guild_id=settings.DISCORD_GUILD_ID
    ) as services:
        try:
            summary = await services.results.import_file(
                path=path, platform=platform, team=team, apply=apply, progress=progress
            )
        except PodiumError as error:
            print(
                f"import-results: {catalogs.gettext('en', error.message, **error.params)}",
                file=sys.stderr,
            )
            return EXIT_REFUSED
    _print_summary(catalogs, summary)
    if summary.id is None:
        print("Checked only: nothing was imported. Run again with --apply to import.")
    else:
        print(f"Applied as import #{summary.id}.")
    return EXIT_OK
