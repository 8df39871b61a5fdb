"""``ResultsCog``: the ``/results`` commands, one mixin per module of this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.results.groups import results as results_group
from cogs.results.imports import ImportCommands
from cogs.results.views import ResultsImportButton

if TYPE_CHECKING:
    from bot.app import PodiumBot


class ResultsCog(ImportCommands):
    """Store results: ``/results import`` (``imports``)."""

    results = results_group

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the buttons that must keep working after a restart."""
        self.bot.add_dynamic_items(ResultsImportButton)
