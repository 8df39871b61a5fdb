"""``ResultsCog``: the ``/results`` commands, one mixin per part of the store results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.fraud import SCAN_JOB
from cogs.results.flag_views import FlagButton, FlagPageButton
from cogs.results.fraud import FraudCommands
from cogs.results.groups import results as results_group

if TYPE_CHECKING:
    from bot.app import PodiumBot


class ResultsCog(FraudCommands):
    """Store results: imports, the board, fraud checks (each part a mixin)."""

    results = results_group

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """The fraud queue's buttons, which survive restarts, and the nightly fraud scan."""
        self.bot.add_dynamic_items(FlagButton, FlagPageButton)
        fraud = self.bot.services.fraud
        self.bot.services.scheduler.register(SCAN_JOB, fraud.run_scan_job)
        await fraud.ensure_scan_job()

    async def cog_unload(self) -> None:
        """Forget the nightly scan's handler (its pending row stays for the next start)."""
        self.bot.services.scheduler.unregister(SCAN_JOB)
