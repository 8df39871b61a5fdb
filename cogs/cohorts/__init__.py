"""Cohorts feature: /cohort commands, cohort roles, promotions and the cohort import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.cohorts.cog import CohortCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(CohortCog(bot))
