"""Refusals of store-results imports, and the reasons a file's line is refused."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class UnknownPlatform(PodiumError):
    """The platform is not in ``[results.platforms]``."""

    message = N_("There is no store platform called {platform}. Known platforms: {known}.")


class ResultsFileTooLarge(PodiumError):
    """The file is over the import size limit."""

    message = N_("That file is larger than {size} MB. Split it into smaller files.")


class ResultsFileUnreadable(PodiumError):
    """Neither a CSV file (UTF-8 or GB18030) nor an XLSX workbook."""

    message = N_(
        "That file cannot be read. Upload a CSV file (UTF-8) or an Excel workbook (.xlsx)."
    )


class ResultsMissingColumns(PodiumError):
    """The header lacks columns the platform's mapping requires."""

    message = N_(
        "The file has no {columns} column. Check the platform ({platform}) or the file's "
        "first line."
    )


class ResultsUnknownColumns(PodiumError):
    """A daily file has columns that are no metric."""

    message = N_(
        "The columns {columns} are not metrics. A daily file has day, team, currency and "
        "one column per metric: {metrics}."
    )


class ResultsNoRows(PodiumError):
    """The file has a header but no data lines."""

    message = N_("That file has no data lines.")


class ResultsTeamNotFound(PodiumError):
    """The team named for the whole file does not exist this season."""

    message = N_("There is no team called {team} this season.")


class ResultsImportNotFound(PodiumError):
    """No import with that id this season."""

    message = N_("Import #{import_id} was not found.")


class ResultsImportDecided(PodiumError):
    """The preview was applied or discarded already (see the two subclasses)."""

    message = N_("Import #{import_id} was already decided; nothing changed.")


class ResultsImportApplied(ResultsImportDecided):
    """The preview was applied already."""

    message = N_("Import #{import_id} was already applied; nothing changed.")


class ResultsImportDiscarded(ResultsImportDecided):
    """The preview was discarded already."""

    message = N_("Import #{import_id} was already discarded; nothing changed.")


# Reasons a line is refused (shown with its line number in the preview).
ROW_NO_ORDER_ID = N_("no order id")
ROW_ORDER_ID_TOO_LONG = N_("the order id is longer than {limit} characters")
ROW_BAD_TIME = N_("the time {value} is not a date and time (e.g. 2026-11-25 14:30)")
ROW_BAD_AMOUNT = N_("the amount {value} is not a number")
ROW_NEGATIVE_AMOUNT = N_("the amount {value} is negative")
ROW_UNKNOWN_CURRENCY = N_("the currency {value} has no rate this season")
ROW_BAD_COUNTRY = N_("the country {value} is not a two-letter code")
ROW_BAD_REFUNDED = N_("refunded {value} is not yes or no")
ROW_NO_TEAM = N_("no team (name the team for the whole file, or add a team column)")
ROW_UNKNOWN_TEAM = N_("there is no team called {team}")
ROW_DUPLICATE_ORDER = N_("order {order} is already on line {line} of this file")
ROW_BAD_DAY = N_("the day {value} is not a date (e.g. 2026-11-25)")
ROW_BAD_VALUE = N_("the {metric} value {value} is not a number of at least 0")
ROW_DUPLICATE_DAY = N_("day {day} of this team is already on line {line} of this file")
