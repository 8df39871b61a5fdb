"""Q&A feature: /qa and /ask, the question queue, check-ins and the session notices."""

from cogs.qa.cog import setup

__all__ = ["setup"]
