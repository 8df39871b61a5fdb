"""The points feature's domain errors, and the messages of an import's refused rows."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class TeamNotFound(PodiumError):
    message = N_(
        "There is no team called {team} this season. Pick one from the suggestions or use "
        "the team's exact name."
    )


class NotInTeam(PodiumError):
    message = N_("You are not in a team this season. Name a team to see its points.")


class SeasonClosed(PodiumError):
    message = N_(
        "Season {season} is closed: its points are final, so nothing can be awarded, "
        "revoked or imported any more."
    )


class InvalidAmount(PodiumError):
    message = N_("Points must be a whole number from -{limit} to {limit}, and not 0.")


class InvalidReason(PodiumError):
    message = N_("Give a reason of 1 to {limit} characters, so the team knows why.")


class WeeklyCapReached(PodiumError):
    message = N_(
        "That would pass the weekly cap for {source} points: {team} already has {current} of "
        "{cap} this week, so at most {remaining} more can be given before the week ends."
    )


class EntryNotFound(PodiumError):
    message = N_("There is no ledger entry #{entry} this season. /points show lists entry numbers.")


class AlreadyRevoked(PodiumError):
    message = N_("Entry #{entry} was already revoked by entry #{reversal}. Nothing changed.")


class CannotRevokeReversal(PodiumError):
    message = N_("Entry #{entry} is itself a reversal. To give the points back, award them again.")


class InvalidWeek(PodiumError):
    message = N_("Week {week} is not valid: use current, last or a week like 2026-W48.")


class UnknownTrack(PodiumError):
    message = N_("There is no track {track}. Choose one of: {tracks}.")


class UnknownCohort(PodiumError):
    message = N_("There is no cohort {cohort}. Choose one of: {cohorts}.")


class FileAlreadyImported(PodiumError):
    message = N_(
        "This exact file was already imported (import #{import_id}, {entries} entries). "
        "Nothing was added."
    )


class ImportNotFound(PodiumError):
    message = N_("Import #{import_id} does not exist. Upload the file again.")


class ImportAlreadyDecided(PodiumError):
    message = N_("Import #{import_id} was already decided. Nothing changed.")


class ImportAlreadyImported(ImportAlreadyDecided):
    message = N_("Import #{import_id} was already imported. Nothing changed.")


class ImportAlreadyCancelled(ImportAlreadyDecided):
    message = N_("Import #{import_id} was already cancelled. Nothing changed.")


class NothingToImport(PodiumError):
    message = N_(
        "The file has no row that can be imported. Fix the rows listed and upload it again."
    )


class ImportOutdated(PodiumError):
    message = N_(
        "Points changed since this preview: line {line} can no longer be imported as shown. "
        "Nothing was imported; upload the file again for a fresh preview."
    )


# Per-row problems of an import, shown in the preview (translated there).
ROW_NO_TEAM = N_("no team given")
ROW_UNKNOWN_TEAM = N_("no team {team} this season")
ROW_BAD_POINTS = N_("points must be a whole number from -{limit} to {limit}, not 0 (got {value})")
ROW_BAD_REASON = N_("the reason must be 1 to {limit} characters")
ROW_BAD_MEMBER = N_("member {member} is not a Discord user id or mention")
ROW_NOT_MEMBER = N_("member {member} is not in team {team}")
ROW_KEY_TOO_LONG = N_("the key is longer than {limit} characters")
ROW_DUPLICATE_KEY = N_("key {key} is also used on line {line}")
ROW_OVER_CAP = N_("{team} would pass the weekly import cap of {cap} points")


# -- CSV files ------------------------------------------------------------------------------
class UnreadableFile(PodiumError):
    message = N_(
        "The file could not be read: {reason}. Upload a CSV file (UTF-8) whose first row names "
        "the columns team, points, reason and optionally member and key."
    )


class FileTooLarge(PodiumError):
    message = N_("The file is larger than {size} MB. Split it into smaller files.")


class FileNotText(PodiumError):
    message = N_(
        "The file is not a CSV text file. Save it from your spreadsheet as CSV (UTF-8) and "
        "upload that."
    )


class FileEmpty(PodiumError):
    message = N_("The file is empty.")


class TooManyRows(PodiumError):
    message = N_("The file has more than {limit} rows. Split it into smaller files.")


class MissingColumns(PodiumError):
    message = N_(
        "The file has no {columns} column. Its first row must name the columns team, points, "
        "reason and optionally member and key."
    )
