"""``[results]``: store results (metrics, imports, scoring, fraud checks)."""

from __future__ import annotations

from pydantic import Field

from bot.config.fields import _Model
from bot.config.results_scoring import ScoringSection


class ResultsSection(_Model):
    """``[results]``: each part of store results adds its own table below it."""

    scoring: ScoringSection = Field(default_factory=ScoringSection)
