"""WhatsApp feature: /whatsapp link, verify, unlink and language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.whatsapp.cog import WhatsAppCog

if TYPE_CHECKING:
    from bot.app import PodiumBot


async def setup(bot: PodiumBot) -> None:
    """Load the cog (discord.py extension entry point)."""
    await bot.add_cog(WhatsAppCog(bot))
