"""UGC contests: windows, submissions, community votes, brushing review, results.

Windows (aware UTC, edges exact): submissions are accepted from ``submissions_open``
(inclusive) until ``submissions_close`` (exclusive). Voting opens at ``submissions_close``
(inclusive) and closes at ``voting_close`` (exclusive), or earlier when an organizer closes
the contest (the close instant is then the exclusive end).

Votes: one per member per entry (a database constraint), pressing again takes it back, at
most ``max_votes`` per member per contest (voided votes still use the allowance), never for
one's own team, minimum account and membership ages, and at most
``rate_limit_per_minute`` presses (votes and unvotes) in any 60 seconds. A refused press
changes nothing. A second press on the same entry within 2 seconds repeats the first (a
double click counts one vote; it does not toggle the vote back). Every vote, unvote and
void is appended to ``vote_events`` with its time. Voided votes stay in the database and
are left out of every count. Presses that arrive while a vote transaction is in flight are
applied together in the next one (group commit), in arrival order.

Moderation (``moderation``): hidden and disqualified entries are out of every listing,
count no votes and take no votes or reports; members report an entry once.

Close: entries ranked by counted votes (ties: the earlier entry first); places get the
``points.contest_placing`` amounts through the ledger with the reference
``contest:<id>:place:<n>``, in the close transaction, exactly once.
"""

from bot.services.contests.errors import (
    AccountTooNew,
    AlreadyDisqualified,
    AlreadyHidden,
    AlreadyReported,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    ContestClosed,
    ContestNameTaken,
    ContestNotFound,
    DisqualifiedWithdraw,
    EntryModerated,
    EntryNotModerated,
    EntryWithdrawn,
    InvalidContestName,
    InvalidMaxVotes,
    InvalidReason,
    InvalidReportText,
    InvalidTitle,
    InvalidUrl,
    InvalidVoteIds,
    InvalidWindow,
    MembershipTooNew,
    ModerationClosed,
    NoOpenReports,
    NoTeam,
    NothingSubmitted,
    NotYourSubmission,
    OwnEntryReport,
    OwnTeamVote,
    SubmissionNotFound,
    SubmissionsClosed,
    SubmissionsNotOpen,
    TeamAlreadySubmitted,
    UnknownVotes,
    VoteLimitReached,
    VoteVoided,
    VotingClosed,
    VotingNotOpen,
    VotingTooFast,
)
from bot.services.contests.lifecycle import (
    CLOSE_JOB,
    RESULTS_PUBLICATION,
    ContestService,
    results_publications,
)
from bot.services.contests.models import (
    Attachment,
    Contest,
    FlaggedCluster,
    ModerationNotice,
    ModerationOutcome,
    Placing,
    ReportAlert,
    ReportedEntry,
    ReportOutcome,
    Results,
    Submission,
    VoidOutcome,
    VoteOutcome,
)
from bot.services.contests.moderation import (
    DISQUALIFIED,
    HIDDEN,
    MAX_REPORT_TEXT,
    MODERATION_PUBLICATION,
    REPORT_ALERT_PUBLICATION,
    RESTORED,
)

__all__ = [
    "CLOSE_JOB",
    "DISQUALIFIED",
    "HIDDEN",
    "MAX_REPORT_TEXT",
    "MODERATION_PUBLICATION",
    "REPORT_ALERT_PUBLICATION",
    "RESTORED",
    "RESULTS_PUBLICATION",
    "AccountTooNew",
    "AlreadyDisqualified",
    "AlreadyHidden",
    "AlreadyReported",
    "Attachment",
    "AttachmentTooLarge",
    "AttachmentTypeRefused",
    "Contest",
    "ContestClosed",
    "ContestNameTaken",
    "ContestNotFound",
    "ContestService",
    "DisqualifiedWithdraw",
    "EntryModerated",
    "EntryNotModerated",
    "EntryWithdrawn",
    "FlaggedCluster",
    "InvalidContestName",
    "InvalidMaxVotes",
    "InvalidReason",
    "InvalidReportText",
    "InvalidTitle",
    "InvalidUrl",
    "InvalidVoteIds",
    "InvalidWindow",
    "MembershipTooNew",
    "ModerationClosed",
    "ModerationNotice",
    "ModerationOutcome",
    "NoOpenReports",
    "NoTeam",
    "NotYourSubmission",
    "NothingSubmitted",
    "OwnEntryReport",
    "OwnTeamVote",
    "Placing",
    "ReportAlert",
    "ReportOutcome",
    "ReportedEntry",
    "Results",
    "Submission",
    "SubmissionNotFound",
    "SubmissionsClosed",
    "SubmissionsNotOpen",
    "TeamAlreadySubmitted",
    "UnknownVotes",
    "VoidOutcome",
    "VoteLimitReached",
    "VoteOutcome",
    "VoteVoided",
    "VotingClosed",
    "VotingNotOpen",
    "VotingTooFast",
    "results_publications",
]
