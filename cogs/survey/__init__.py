"""Survey feature: /survey and the persistent NPS buttons."""

from cogs.survey.cog import setup

__all__ = ["setup"]
