"""Judging's refusals: each one a localized reply to the judge or organizer."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class NotAJudge(PodiumError):
    """The member is not in the judge pool, or the assignment is not theirs."""

    message = N_("Only judges can do that, and only with the entries assigned to them.")


class UnknownJudge(PodiumError):
    """No judge with that id this season."""

    message = N_("There is no judge #{id}.")


class JudgeExists(PodiumError):
    """The member or e-mail is already in the judge pool."""

    message = N_("{name} is already a judge (#{id}).")


class InvalidJudge(PodiumError):
    """A judge needs a name of 1-100 characters and, when external, a valid e-mail."""

    message = N_(
        "A judge needs a name of 1 to 100 characters, and an external judge (without "
        "Discord) a valid e-mail address."
    )


class InvalidTags(PodiumError):
    """Tags: at most 10, each 1-30 characters."""

    message = N_("Give at most 10 expertise tags, each 1 to 30 characters.")


class JudgeConflict(PodiumError):
    """The judge is in conflict with the entry's team."""

    message = N_("Judge #{judge} is in conflict with team {team} and cannot score its entry.")


class NotEnoughJudges(PodiumError):
    """Fewer non-conflicted active judges than the round needs for some entry."""

    message = N_(
        "Entry #{entry} ({team}) needs {needed} judges but only {available} active judges "
        "have no conflict with it. Add judges or lower the judges per entry."
    )


class UnknownRound(PodiumError):
    """No round with that id (this season)."""

    message = N_("There is no judging round #{id}.")


class RoundNameTaken(PodiumError):
    """Round names are unique per contest."""

    message = N_("The contest already has a round named {name}.")


class InvalidRound(PodiumError):
    """A round setting out of range."""

    message = N_("That round setting is not valid: {detail}.")


class RoundNotDraft(PodiumError):
    """Only a draft round can be opened."""

    message = N_("Round #{id} has already been opened.")


class RoundNotOpen(PodiumError):
    """Scoring and reassigning happen while the round is open."""

    message = N_("Round #{id} is not open for scoring.")


class RoundClosed(PodiumError):
    """The round closed: scores are final."""

    message = N_("Round #{id} is closed: scores can no longer be changed.")


class RoundNotClosed(PodiumError):
    """Publishing needs a closed round."""

    message = N_("Close round #{id} before publishing its results.")


class PreviousRoundNotClosed(PodiumError):
    """A round taking the previous round's top N needs that round closed."""

    message = N_("The previous round of this contest must be closed first.")


class NoEntries(PodiumError):
    """Opening a round without entries."""

    message = N_("The contest has no entries to judge.")


class ScoreOutOfRange(PodiumError):
    """A score outside the rubric's scale."""

    message = N_("Scores are whole numbers from {low} to {high} ({criterion}: {value}).")


class MissingCriterion(PodiumError):
    """Submitting a sheet without every criterion, or with an unknown one."""

    message = N_("Score every criterion before submitting (missing: {criteria}).")


class UnknownCriterion(PodiumError):
    """A score for a criterion the rubric does not have."""

    message = N_("The rubric has no criterion {criterion}.")


class CommentTooLong(PodiumError):
    """Comments are at most 1,000 characters."""

    message = N_("A comment is at most {max} characters (yours has {length}).")


class UnknownAssignment(PodiumError):
    """No such assignment."""

    message = N_("There is no assignment #{id}.")


class AssignmentWithdrawn(PodiumError):
    """The assignment was given to another judge."""

    message = N_("Assignment #{id} was given to another judge.")


class AlreadyAssigned(PodiumError):
    """Reassigning to a judge who already has the entry."""

    message = N_("Judge #{judge} already has that entry.")


class AlreadyPublished(PodiumError):
    """A round's results are published once."""

    message = N_("The results of round #{id} are already published.")
