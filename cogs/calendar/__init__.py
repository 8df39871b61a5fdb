"""Season calendar feature: /calendar and the phase notices in the announcements channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.calendar.cog import CalendarCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(CalendarCog(bot))
