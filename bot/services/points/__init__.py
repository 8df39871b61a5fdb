"""Points: the append-only ledger, weekly and season boards, CSV imports, season close.

One module each: ``ledger``, ``boards``, ``imports`` (with ``csv_file``), ``weekly_post``,
``season_close``; ``service.PointsService`` puts them together; ``errors`` and ``models``
hold what they raise and return; ``base`` what they share.

SPEC §3.3. Every entry is written together with its team's weekly total (one transaction),
so a board reads one week's totals of one track, never the whole ledger. Weeks are the
competition's (``bot.calendar``): computed in its timezone from the configured first day.

The rules of entries, reversals and caps are in ``ledger``.
"""

from bot.services.points.boards import FINAL_WEEK_KEY
from bot.services.points.csv_file import MAX_IMPORT_ROWS
from bot.services.points.errors import (
    ROW_BAD_MEMBER,
    ROW_BAD_POINTS,
    ROW_BAD_REASON,
    ROW_DUPLICATE_KEY,
    ROW_KEY_TOO_LONG,
    ROW_NO_TEAM,
    ROW_NOT_MEMBER,
    ROW_OVER_CAP,
    ROW_UNKNOWN_TEAM,
    AlreadyRevoked,
    CannotRevokeReversal,
    EntryNotFound,
    FileAlreadyImported,
    FileEmpty,
    FileNotText,
    FileTooLarge,
    ImportAlreadyCancelled,
    ImportAlreadyDecided,
    ImportAlreadyImported,
    ImportNotFound,
    ImportOutdated,
    InvalidAmount,
    InvalidReason,
    InvalidWeek,
    MissingColumns,
    NothingToImport,
    NotInTeam,
    SeasonClosed,
    TeamNotFound,
    TooManyRows,
    UnknownCohort,
    UnknownTrack,
    UnreadableFile,
    WeeklyCapReached,
)
from bot.services.points.imports import MAX_IMPORT_BYTES
from bot.services.points.ledger import MAX_AMOUNT, MAX_REASON
from bot.services.points.models import (
    Board,
    ImportPreview,
    LedgerEntry,
    RowProblem,
    SeasonClose,
    Standing,
    TeamPoints,
)
from bot.services.points.service import PointsService
from bot.services.points.weekly_post import BOARD_PUBLICATION, WEEKLY_POST_JOB

__all__ = [
    "BOARD_PUBLICATION",
    "FINAL_WEEK_KEY",
    "MAX_AMOUNT",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "MAX_REASON",
    "ROW_BAD_MEMBER",
    "ROW_BAD_POINTS",
    "ROW_BAD_REASON",
    "ROW_DUPLICATE_KEY",
    "ROW_KEY_TOO_LONG",
    "ROW_NOT_MEMBER",
    "ROW_NO_TEAM",
    "ROW_OVER_CAP",
    "ROW_UNKNOWN_TEAM",
    "WEEKLY_POST_JOB",
    "AlreadyRevoked",
    "Board",
    "CannotRevokeReversal",
    "EntryNotFound",
    "FileAlreadyImported",
    "FileEmpty",
    "FileNotText",
    "FileTooLarge",
    "ImportAlreadyCancelled",
    "ImportAlreadyDecided",
    "ImportAlreadyImported",
    "ImportNotFound",
    "ImportOutdated",
    "ImportPreview",
    "InvalidAmount",
    "InvalidReason",
    "InvalidWeek",
    "LedgerEntry",
    "MissingColumns",
    "NotInTeam",
    "NothingToImport",
    "PointsService",
    "RowProblem",
    "SeasonClose",
    "SeasonClosed",
    "Standing",
    "TeamNotFound",
    "TeamPoints",
    "TooManyRows",
    "UnknownCohort",
    "UnknownTrack",
    "UnreadableFile",
    "WeeklyCapReached",
]
