"""Q&A feature: /qa and /ask, the question queue, check-ins and the session notices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.qa.cog import QACog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(QACog(bot))
