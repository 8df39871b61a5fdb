"""Team finder feature: /lfg post, remove, browse and invites; the invite DMs and buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.lfg.cog import LfgCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(LfgCog(bot))
