"""The Q&A rules' errors: each one a localized reply to the member or organizer."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class SessionNotFound(PodiumError):
    """No session with that id."""

    message = N_("There is no Q&A session #{id}.")


class SessionCancelled(PodiumError):
    """The session was cancelled."""

    message = N_("Q&A session #{id} was cancelled.")


class SessionOver(PodiumError):
    """The session has ended."""

    message = N_("Q&A session #{id} has already ended.")


class SessionStarted(PodiumError):
    """RSVPs close when the session starts."""

    message = N_("Q&A session #{id} has already started: use its Check-in button instead.")


class StartInPast(PodiumError):
    """A session must start in the future."""

    message = N_("That start time has already passed. Give a time in the future.")


class NothingToEdit(PodiumError):
    """``/qa edit`` without a change."""

    message = N_("Give at least one thing to change: title, start, duration or host.")


class NotHost(PodiumError):
    """Only the host or an organizer may manage the queue."""

    message = N_("Only the session's host or an organizer can do that.")


class QuestionLength(PodiumError):
    """A question is 1 to 300 characters."""

    message = N_("A question is 1 to {max} characters long (yours has {length}).")


class OpenQuestionExists(PodiumError):
    """One open question per member per session."""

    message = N_(
        "You already have an open question (#{question}) in this session. Ask another once "
        "it has been answered."
    )


class QuestionNotFound(PodiumError):
    """No question with that id."""

    message = N_("There is no question #{id}.")


class QuestionAnswered(PodiumError):
    """The question is no longer open."""

    message = N_("Question #{id} has already been answered.")


class OwnQuestion(PodiumError):
    """Members cannot upvote their own question."""

    message = N_("You cannot upvote your own question.")


class CheckInClosed(PodiumError):
    """Check-in is open from start to end only."""

    message = N_("Check-in is open while the session runs, from <t:{start}:t> to <t:{end}:t>.")


class AlreadyCheckedIn(PodiumError):
    """One check-in per member per session."""

    message = N_("You have already checked in to this session.")
