"""Progress milestones: /progress, /progress-admin, the stuck alert and its clinic button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.progress.cog import ProgressCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(ProgressCog(bot))
