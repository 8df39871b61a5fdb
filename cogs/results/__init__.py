"""Store results feature: /results (imports, the board, fraud checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.results.cog import ResultsCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(ResultsCog(bot))
