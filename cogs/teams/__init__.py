"""Teams feature: /team commands, the private team channels, the disband button."""

from cogs.teams.cog import setup

__all__ = ["setup"]
