"""Points feature: /leaderboard, /points, /season close and the weekly board post."""

from cogs.points.cog import setup

__all__ = ["setup"]
