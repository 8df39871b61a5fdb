"""Capacity feature: /capacity status, the offer and check-in DMs and their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.capacity.cog import CapacityCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(CapacityCog(bot))
