"""The progress milestones' refusals: each one a localized reply."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class UnknownStage(PodiumError):
    """No stage with that key."""

    message = N_("There is no stage {stage}. Pick one from the suggestions.")


class StageReached(PodiumError):
    """A team reports a stage it is already at or past."""

    message = N_("Your team is already at **{current}**: report a later stage.")


class AutoStage(PodiumError):
    """Stages reached from imported store results are not reported by hand."""

    message = N_(
        "**{stage}** is reached from your imported store results, not reported by hand: "
        "it follows once the orders are imported."
    )


class EvidenceRequired(PodiumError):
    """The stage needs a link or a file."""

    message = N_("Reporting **{stage}** needs evidence: add a link or attach a file.")


class BadEvidenceLink(PodiumError):
    """The evidence link is no web address."""

    message = N_("The evidence link must start with https:// and have at most 500 characters.")


class SameStage(PodiumError):
    """An organizer sets a team to the stage it is at."""

    message = N_("{team} is already at **{stage}**.")


class NothingToUndo(PodiumError):
    """No change of the team's stage is left to undo."""

    message = N_("{team} has no change of stage to undo.")


class AlertNotFound(PodiumError):
    """No stuck alert with that id."""

    message = N_("That stuck alert no longer exists.")


class ClinicScheduled(PodiumError):
    """A clinic was already scheduled from this alert."""

    message = N_("A clinic was already scheduled from this alert: Q&A session #{id}.")
