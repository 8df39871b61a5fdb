"""Teams feature: /team commands, the private team channels, the disband button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.teams.cog import TeamCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(TeamCog(bot))
