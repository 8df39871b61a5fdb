"""Broadcast feature: /broadcast commands and the job that posts each occurrence."""

from cogs.broadcast.cog import setup

__all__ = ["setup"]
