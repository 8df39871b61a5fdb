"""Help feature: /help, the commands this member may use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.help.cog import HelpCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(HelpCog(bot))
