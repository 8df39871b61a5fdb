"""Store results (issue 17): the metrics engine over imported orders and daily aggregates.

``metrics`` is the pure part (derived metrics, currency conversion); ``engine`` computes
metrics per team and breakdowns from the database; ``base`` holds the ``on_applied`` hook.
``ResultsService`` (``service``) is all of it in one object.

Scoring (``scoring``: the pure formula; ``weekly_points``: the weekly ledger run and its
post; ``reports``: breakdowns, boards, cross-analysis; ``scoring_service`` both as one
``ResultsScoringService``) reads the engine through the ``MetricsSource`` interface.
"""

from bot.services.results.base import ImportApplied, ImportListener
from bot.services.results.engine import Breakdown
from bot.services.results.metrics import UnknownCurrency, derive, minor_digits, to_base, to_minor
from bot.services.results.service import ResultsService

__all__ = [
    "Breakdown",
    "ImportApplied",
    "ImportListener",
    "ResultsService",
    "UnknownCurrency",
    "derive",
    "minor_digits",
    "to_base",
    "to_minor",
]
