"""Survey feature: /survey and the persistent NPS buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.survey.cog import SurveyCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(SurveyCog(bot))
