"""What the cohort service returns and raises: assignments, promotions, imports, role fixes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.errors import PodiumError
from bot.i18n import N_

#: Largest import file accepted, in bytes, and most data rows in it.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 50_000

# -- errors ------------------------------------------------------------------------------


class UnknownCohort(PodiumError):
    message = N_("There is no cohort {cohort}. Choose one of: {cohorts}.")


class CohortImportUnreadable(PodiumError):
    message = N_(
        "I could not read that file. Upload a UTF-8 CSV file of at most {max_kb} KB with one "
        "row per member: user id, cohort (at most {max_rows} rows)."
    )


class CohortImportEmpty(PodiumError):
    message = N_("The file has no rows. Each row needs a user id and a cohort, e.g. 123…,rookie.")


class CohortImportNotFound(PodiumError):
    message = N_("That import preview no longer exists. Upload the file again.")


class CohortImportAlreadyApplied(PodiumError):
    message = N_("This import was applied already. Nothing was changed again.")


#: Per-row import problems, by code; ``{line}`` is the file's line number.
IMPORT_ERRORS = {
    "bad_row": N_("line {line}: expected a user id and a cohort, got {value}"),
    "unknown_user": N_("line {line}: {value} is not a member of this server"),
    "unknown_cohort": N_("line {line}: unknown cohort {value}"),
    "duplicate": N_("line {line}: {value} appears more than once (first on line {first})"),
}


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CohortAssignment:
    """A member's cohort changed from ``old_cohort`` (None: had none) to ``new_cohort``."""

    user_id: int
    old_cohort: str | None
    new_cohort: str


@dataclass(frozen=True, slots=True)
class Promotion:
    """A member promoted because their team's season points reached a threshold.

    ``locale`` is the member's catalog locale, for the DM; ``at`` the run that promoted
    them (it names the promotion's DM and welcome post in the journal of posts)."""

    user_id: int
    team_id: int
    old_cohort: str | None
    new_cohort: str
    points: int
    locale: str
    at: dt.datetime

    @property
    def key(self) -> str:
        """This promotion's name in the journal of posts (one DM and one welcome each)."""
        return f"cohort-promotion:{self.user_id}:{self.new_cohort}:{self.at.isoformat()}"

    @property
    def assignment(self) -> CohortAssignment:
        """The role change to apply."""
        return CohortAssignment(self.user_id, self.old_cohort, self.new_cohort)


@dataclass(frozen=True, slots=True)
class CohortStatus:
    """What ``/cohort show`` tells a member. ``points`` are their team's season points
    (None without a team); ``next_cohort``/``points_needed`` are None at the top."""

    cohort: str | None
    team_name: str | None
    points: int | None
    next_cohort: str | None
    next_threshold: int | None
    points_needed: int | None


@dataclass(frozen=True, slots=True)
class ImportRowError:
    """One refused row: ``code`` is a key of IMPORT_ERRORS."""

    line: int
    code: str
    value: str
    first: int | None = None


@dataclass(frozen=True, slots=True)
class ImportChange:
    """One row that will change a member's cohort."""

    line: int
    user_id: int
    display_name: str
    old_cohort: str | None
    new_cohort: str


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """A checked import: what would change, how many rows change nothing, what is wrong."""

    import_id: int
    file_name: str
    changes: tuple[ImportChange, ...]
    unchanged: int
    errors: tuple[ImportRowError, ...]


@dataclass(frozen=True, slots=True)
class RoleFix:
    """A member whose cohort roles disagree with the database: add ``add_role_id`` (if
    any) and remove ``remove_role_ids``, in one role edit."""

    user_id: int
    cohort: str | None
    add_role_id: int | None
    remove_role_ids: tuple[int, ...]


def cohort_role_ids(resource_ids: Mapping[str, int]) -> dict[str, int]:
    """Role id per cohort key, from the ids /admin setup recorded (``role:cohort:<key>``)."""
    prefix = "role:cohort:"
    return {key[len(prefix) :]: rid for key, rid in resource_ids.items() if key.startswith(prefix)}
