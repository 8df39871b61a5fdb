"""Admin feature: /admin setup, stats, audit, dashboard links; access follows organizer status."""

from cogs.admin.cog import setup

__all__ = ["setup"]
