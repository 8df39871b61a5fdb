"""Contests feature: /contest and /submit, the gallery with its Vote buttons, the results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.contests.cog import ContestCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(ContestCog(bot))
