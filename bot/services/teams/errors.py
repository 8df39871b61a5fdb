"""The errors of teams: names, registration, membership and captain rules."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class TeamNameLength(PodiumError):
    message = N_("A team name needs {min} to {max} characters; yours has {length}.")


class TeamNameHasMention(PodiumError):
    message = N_("A team name cannot contain mentions such as @everyone, @here or <@…>.")


class TeamNameHasLink(PodiumError):
    message = N_("A team name cannot contain links or web addresses.")


class TeamNameHasControl(PodiumError):
    message = N_("A team name cannot contain line breaks, control or invisible characters.")


class TeamNameTaken(PodiumError):
    message = N_("The name {name} is already taken this season. Please pick another one.")


class UnknownTrack(PodiumError):
    message = N_("There is no track {track}. Choose one of: {tracks}.")


class AlreadyInTeam(PodiumError):
    message = N_("You are already in the team {team}. Leave it first with /team leave.")


class RegistrationClosed(PodiumError):
    message = N_("Team registration closed on {deadline}.")


class RegistrationLocked(PodiumError):
    message = N_("Team registration is locked by the organizers right now. Please try later.")


class BadInviteCode(PodiumError):
    message = N_(
        "No team has the invite code {code}. Ask your captain for the current code: it "
        "changes when they rotate it."
    )


class TeamFull(PodiumError):
    message = N_("The team {team} is full: it has {max} members already.")


class NotInTeam(PodiumError):
    message = N_(
        "You are not in a team this season. Create one with /team create or join one with "
        "/team join."
    )


class NotCaptain(PodiumError):
    message = N_("Only the captain of {team} can do that.")


class NotTeamMember(PodiumError):
    message = N_("{member} is not a member of {team}.")


class CannotTargetSelf(PodiumError):
    message = N_("You cannot do that to yourself.")


class UnknownTeam(PodiumError):
    message = N_("No active team matches {team}. Pick one from the suggestions.")


class AlreadyInThatTeam(PodiumError):
    message = N_("{member} is already in {team}.")


class SameTeamName(PodiumError):
    message = N_("Your team is already called {name}.")
