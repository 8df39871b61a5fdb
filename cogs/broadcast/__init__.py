"""Broadcast feature: /broadcast commands and the job that posts each occurrence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.broadcast.cog import BroadcastCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(BroadcastCog(bot))
