"""Activity feature: counting messages and interactions, the weekly drop alert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.activity.cog import ActivityCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(ActivityCog(bot))
