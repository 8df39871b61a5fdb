"""Contests feature: /contest and /submit, the gallery with its Vote buttons, the results."""

from cogs.contests.cog import setup

__all__ = ["setup"]
