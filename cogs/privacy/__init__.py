"""Privacy feature: /privacy export and delete."""

from cogs.privacy.cog import setup

__all__ = ["setup"]
