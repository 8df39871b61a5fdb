"""Privacy feature: /privacy export and delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.privacy.cog import PrivacyCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(PrivacyCog(bot))
