"""``ResultsCog``: the ``/results`` commands, one mixin per part of store results."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.services.fraud import SCAN_JOB
from cogs.results.flag_views import FlagButton, FlagPageButton
from cogs.results.fraud import FraudCommands
from cogs.results.groups import results as results_group
from cogs.results.imports import ImportCommands
from cogs.results.scoring import ScoringCommands, catch_up_scoring, load_scoring
from cogs.results.views import ResultsImportButton

if TYPE_CHECKING:
    from bot.app import PodiumBot


class ResultsCog(ImportCommands, ScoringCommands, FraudCommands):
    """Store results: imports, scoring and boards, fraud flags (each part a mixin)."""

    results = results_group

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        #: The results scoring catch-up started with the bot (tests wait for it).
        self.scoring_startup: asyncio.Task[list[str]] | None = None

    async def cog_load(self) -> None:
        """Each part's jobs, renderers and the buttons that work after a restart."""
        self.bot.add_dynamic_items(ResultsImportButton, FlagButton, FlagPageButton)
        await load_scoring(self.bot)
        fraud = self.bot.services.fraud
        self.bot.services.scheduler.register(SCAN_JOB, fraud.run_scan_job)
        await fraud.ensure_scan_job()
        self.scoring_startup = self.bot.spawn(catch_up_scoring(self.bot), name="results-catch-up")

    async def cog_unload(self) -> None:
        """Stop a catch-up still waiting for the gateway; forget the nightly scan's handler
        (its pending row stays for the next start)."""
        if self.scoring_startup is not None:
            self.scoring_startup.cancel()
        self.bot.services.scheduler.unregister(SCAN_JOB)
