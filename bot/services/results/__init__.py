"""Store results (issue 17): imports of store exports and the metrics engine over them.

``metrics`` is the pure part (derived metrics, currency conversion); ``engine`` computes
metrics per team and breakdowns from the database; ``files`` reads CSV and XLSX exports,
``parsing`` checks their lines and ``imports`` previews, applies and discards them; ``base``
holds the ``on_applied`` hook.
``ResultsService`` (``service``) is all of it in one object.

Scoring (``scoring``: the pure formula; ``weekly_points``: the weekly ledger run and its
post; ``reports``: breakdowns, boards, cross-analysis; ``scoring_service`` both as one
``ResultsScoringService``) reads the engine through the ``MetricsSource`` interface.
"""

from bot.services.results.base import ImportApplied, ImportListener
from bot.services.results.engine import Breakdown
from bot.services.results.errors import (
    ResultsFileTooLarge,
    ResultsFileUnreadable,
    ResultsImportApplied,
    ResultsImportDecided,
    ResultsImportDiscarded,
    ResultsImportNotFound,
    ResultsMissingColumns,
    ResultsNoRows,
    ResultsTeamNotFound,
    ResultsUnknownColumns,
    UnknownPlatform,
)
from bot.services.results.imports import MAX_RESULTS_BYTES, ImportSummary
from bot.services.results.metrics import UnknownCurrency, derive, minor_digits, to_base, to_minor
from bot.services.results.parsing import Refusal
from bot.services.results.service import ResultsService

__all__ = [
    "MAX_RESULTS_BYTES",
    "Breakdown",
    "ImportApplied",
    "ImportListener",
    "ImportSummary",
    "Refusal",
    "ResultsFileTooLarge",
    "ResultsFileUnreadable",
    "ResultsImportApplied",
    "ResultsImportDecided",
    "ResultsImportDiscarded",
    "ResultsImportNotFound",
    "ResultsMissingColumns",
    "ResultsNoRows",
    "ResultsService",
    "ResultsTeamNotFound",
    "ResultsUnknownColumns",
    "UnknownCurrency",
    "UnknownPlatform",
    "derive",
    "minor_digits",
    "to_base",
    "to_minor",
]
