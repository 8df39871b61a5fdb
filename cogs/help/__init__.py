"""Help feature: /help, the commands this member may use."""

from cogs.help.cog import setup

__all__ = ["setup"]
