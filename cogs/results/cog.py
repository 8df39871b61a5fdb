"""``ResultsCog``: the ``/results`` commands, one mixin per part of the store results."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        """The fraud queue's buttons, which survive restarts."""
        self.bot.add_dynamic_items(FlagButton, FlagPageButton)
