"""Judging in Discord: `/judge` for judges (queue, Score modal, scores) and `/judging` for
organizers (judge pool, rounds, progress, results, publishing); `/feedback` for teams
(the judges' comments, when shared)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.judging.cog import JudgeCog
from cogs.judging.feedback import FeedbackCog
from cogs.judging.organizer import JudgingCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cogs (discord.py extension entry point)."""
    await bot.add_cog(JudgeCog(bot))
    await bot.add_cog(JudgingCog(bot))
    await bot.add_cog(FeedbackCog(bot))
