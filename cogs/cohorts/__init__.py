"""Cohorts feature: /cohort commands, cohort roles, promotions and the cohort import."""

from cogs.cohorts.cog import setup

__all__ = ["setup"]
