"""The errors of the team finder: cards, browsing and invites."""

from __future__ import annotations

from bot.errors import PodiumError
from bot.i18n import N_


class CardHasControl(PodiumError):
    message = N_("A card cannot contain control or invisible characters.")


class SkillsLength(PodiumError):
    message = N_("Skills need {min} to {max} characters; yours have {length}.")


class LanguagesLength(PodiumError):
    message = N_("Languages need {min} to {max} characters; yours have {length}.")


class LookingForLength(PodiumError):
    message = N_("What you look for needs {min} to {max} characters; yours has {length}.")


class TooManySkills(PodiumError):
    message = N_("List at most {max} skills, separated by commas (you listed {count}).")


class TooManyLanguages(PodiumError):
    message = N_("List at most {max} languages, separated by commas (you listed {count}).")


class TagLength(PodiumError):
    message = N_("Each skill or language needs at most {max} characters; {tag} has {length}.")


class UnknownTimezone(PodiumError):
    message = N_(
        "{timezone} is not a timezone I know. Write a name such as Asia/Shanghai or "
        "Europe/Berlin, or an offset such as UTC+8 or UTC-05:30."
    )


class HasTeam(PodiumError):
    message = N_(
        "You are in the team {team} already: cards are for members looking for a team. "
        "Leave it first with /team leave."
    )


class NoCard(PodiumError):
    message = N_("You have no card in the team finder. Publish one with /lfg post.")


class CardGone(PodiumError):
    message = N_("{member} has no card in the team finder any more (they may have found a team).")


class TrackMismatch(PodiumError):
    message = N_(
        "{member} is looking for a team in the {wanted} track; your team competes in {track}."
    )


class AlreadyInvited(PodiumError):
    message = N_("Your team has invited {member} already; the invite expires {expires}.")


class TooManyInvites(PodiumError):
    message = N_(
        "Your team has {max} invites waiting for an answer. Wait for answers or for "
        "invites to expire before sending more."
    )


class UnknownInvite(PodiumError):
    message = N_("This invite is not for you, or it no longer exists.")


class InviteAnswered(PodiumError):
    message = N_("You answered this invite already.")


class InviteExpired(PodiumError):
    message = N_("This invite expired {expired}. Ask the captain for a new one.")


class InviteVoid(PodiumError):
    message = N_("This invite no longer applies: you joined a team, or the team is gone.")
