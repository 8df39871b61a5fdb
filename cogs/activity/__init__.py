"""Activity feature: counting messages and interactions, the weekly drop alert."""

from cogs.activity.cog import setup

__all__ = ["setup"]
