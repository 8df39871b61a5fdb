"""Registration feature: /register and /profile, /eligibility and its approval queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.registration.cog import EligibilityCog, ProfileCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cogs (discord.py extension entry point)."""
    await bot.add_cog(ProfileCog(bot))
    await bot.add_cog(EligibilityCog(bot))
