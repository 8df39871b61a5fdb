"""Admin feature: /admin setup, stats, audit, dashboard links; access follows organizer status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.admin.cog import AdminCog
from cogs.admin.organizer_access import OrganizerAccess

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(AdminCog(bot))
    await bot.add_cog(OrganizerAccess(bot))
