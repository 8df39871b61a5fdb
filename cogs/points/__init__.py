"""Points feature: /leaderboard, /points, /season close and the weekly board post."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.points.cog import PointsCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(PointsCog(bot))
