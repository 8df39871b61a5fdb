"""Tiered cohorts (SPEC §3.2): assignment, CSV import, promotion by threshold, role sync.

The database is the truth about who is in which cohort; Discord roles follow it. This
service decides and records; the cog applies the role changes it returns (one role swap
per assignment) and repairs drift at start from ``plan_role_repair``.

Promotion reads team season points through the ``SeasonPoints`` interface (the points
service), so this module never touches the ledger.
"""

from bot.services.cohorts.models import (
    IMPORT_ERRORS,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    CohortAssignment,
    CohortImportAlreadyApplied,
    CohortImportEmpty,
    CohortImportNotFound,
    CohortImportUnreadable,
    CohortStatus,
    ImportChange,
    ImportPreview,
    ImportRowError,
    Promotion,
    RoleFix,
    UnknownCohort,
    cohort_role_ids,
)
from bot.services.cohorts.service import CohortService, SeasonPoints

__all__ = [
    "IMPORT_ERRORS",
    "IMPORT_MAX_BYTES",
    "IMPORT_MAX_ROWS",
    "CohortAssignment",
    "CohortImportAlreadyApplied",
    "CohortImportEmpty",
    "CohortImportNotFound",
    "CohortImportUnreadable",
    "CohortService",
    "CohortStatus",
    "ImportChange",
    "ImportPreview",
    "ImportRowError",
    "Promotion",
    "RoleFix",
    "SeasonPoints",
    "UnknownCohort",
    "cohort_role_ids",
]
