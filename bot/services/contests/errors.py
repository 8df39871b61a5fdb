"""The contests' domain errors: each one a refused request with its localized message."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class ContestNotFound(PodiumError):
    message = N_("No contest matches {contest}. Pick one from the list.")


class ContestNameTaken(PodiumError):
    message = N_("There is already a contest called {name} this season.")


class InvalidContestName(PodiumError):
    message = N_("Contest names and categories are 3 to 100 characters.")


class InvalidWindow(PodiumError):
    message = N_(
        "The times must follow each other: submissions open, then submissions close, then "
        "voting closes ({detail})."
    )


class InvalidMaxVotes(PodiumError):
    message = N_("max_votes must be a whole number from 1 to 100.")


class ContestClosed(PodiumError):
    message = N_("{contest} is closed.")


class SubmissionsNotOpen(PodiumError):
    message = N_("Submissions for {contest} open {when}.")


class SubmissionsClosed(PodiumError):
    message = N_("Submissions for {contest} closed {when}.")


class NoTeam(PodiumError):
    message = N_("Entries are submitted for a team: create or join one first with /team.")


class TeamAlreadySubmitted(PodiumError):
    message = N_(
        "Your team already has an entry in {contest} (#{id}). Change it with /submit edit "
        "or withdraw it first."
    )


class InvalidTitle(PodiumError):
    message = N_("Titles are 3 to 100 characters.")


class InvalidUrl(PodiumError):
    message = N_(
        "The link must be an http:// or https:// address with a host, at most 512 characters."
    )


class NothingSubmitted(PodiumError):
    message = N_("Give a link or attach a file.")


class AttachmentTooLarge(PodiumError):
    message = N_("The file is {size} MB; the most is {max} MB.")


class AttachmentTypeRefused(PodiumError):
    message = N_("Files of type {type} are not accepted. Accepted: {types}.")


class SubmissionNotFound(PodiumError):
    message = N_("There is no entry #{id}.")


class NotYourSubmission(PodiumError):
    message = N_("Only members of the team that submitted entry #{id} can change it.")


class EntryWithdrawn(PodiumError):
    message = N_("This entry was withdrawn, so it takes no votes.")


class VotingNotOpen(PodiumError):
    message = N_("Voting opens {when}.")


class VotingClosed(PodiumError):
    message = N_("Voting closed {when}.")


class OwnTeamVote(PodiumError):
    message = N_("You cannot vote for your own team's entry.")


class VoteLimitReached(PodiumError):
    message = N_(
        "You have used all {max} of your votes in this contest. Press Vote again on an entry "
        "to take that vote back."
    )


class AccountTooNew(PodiumError):
    message = N_("Your Discord account must be {days} days old to vote. You can vote from {when}.")


class MembershipTooNew(PodiumError):
    message = N_(
        "You must have been in this server for {days} days to vote. You can vote from {when}."
    )


class VotingTooFast(PodiumError):
    message = N_("You are voting too fast: at most {limit} presses a minute. Try again {when}.")


class VoteVoided(PodiumError):
    message = N_("An organizer voided your vote for this entry, so it cannot be changed.")


class InvalidVoteIds(PodiumError):
    message = N_("List vote ids as numbers separated by commas or spaces, e.g. 12, 15, 31.")


class UnknownVotes(PodiumError):
    message = N_("No vote has the id {ids}.")


class InvalidReason(PodiumError):
    message = N_("Give a reason of 1 to 200 characters.")


class EntryModerated(PodiumError):
    message = N_(
        "The organizers took this entry out of the contest, so it takes no votes or reports."
    )


class ModerationClosed(PodiumError):
    message = N_(
        "{contest} is closed and its results are final, so its entries can no longer be "
        "hidden, disqualified or restored. Take back points with /points revoke."
    )


class EntryNotModerated(PodiumError):
    message = N_("Entry #{id} is neither hidden nor disqualified.")


class AlreadyHidden(PodiumError):
    message = N_("Entry #{id} is already hidden.")


class AlreadyDisqualified(PodiumError):
    message = N_("Entry #{id} is already disqualified.")


class NoOpenReports(PodiumError):
    message = N_("Entry #{id} has no open reports.")


class AlreadyReported(PodiumError):
    message = N_("You already reported this entry. The organizers have your report.")


class OwnEntryReport(PodiumError):
    message = N_("You cannot report your own team's entry.")


class InvalidReportText(PodiumError):
    message = N_("A report's reason is at most {max} characters.")


class DisqualifiedWithdraw(PodiumError):
    message = N_(
        "Entry #{id} was disqualified by the organizers, so it cannot be withdrawn. Ask an "
        "organizer if you think this is wrong."
    )
