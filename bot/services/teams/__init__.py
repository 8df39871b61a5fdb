"""Teams and tracks (SPEC §3.1): registration, invite codes, captains, organizer moves.

Every use case is one transaction on the single writer. Rules that must never break are
also database constraints: one active team per name key and season, one team per member
per season, unique invite codes. The last free seat is taken under a row lock on the team
(PostgreSQL; SQLite's one writer serializes transactions), so two members pressing join
at the same moment cannot both get it.

Results are plain dataclasses; the cog turns them into Discord changes (the private team
channel's member overwrites) and replies.
"""

from bot.services.teams.errors import (
    AlreadyInTeam,
    AlreadyInThatTeam,
    BadInviteCode,
    CannotTargetSelf,
    NotCaptain,
    NotInTeam,
    NotTeamMember,
    RegistrationClosed,
    RegistrationLocked,
    SameTeamName,
    TeamFull,
    TeamNameHasControl,
    TeamNameHasLink,
    TeamNameHasMention,
    TeamNameLength,
    TeamNameTaken,
    UnknownTeam,
    UnknownTrack,
)
from bot.services.teams.membership import MemberJoinedHook, TeamService
from bot.services.teams.models import (
    Disbanded,
    MembershipChange,
    MoveResult,
    RegistrationStatus,
    Team,
    TeamDetails,
    TeamMember,
)
from bot.services.teams.names import (
    INVITE_ALPHABET,
    clean_team_name,
    new_invite_code,
    normalize_invite_code,
)

__all__ = [
    "INVITE_ALPHABET",
    "AlreadyInTeam",
    "AlreadyInThatTeam",
    "BadInviteCode",
    "CannotTargetSelf",
    "Disbanded",
    "MemberJoinedHook",
    "MembershipChange",
    "MoveResult",
    "NotCaptain",
    "NotInTeam",
    "NotTeamMember",
    "RegistrationClosed",
    "RegistrationLocked",
    "RegistrationStatus",
    "SameTeamName",
    "Team",
    "TeamDetails",
    "TeamFull",
    "TeamMember",
    "TeamNameHasControl",
    "TeamNameHasLink",
    "TeamNameHasMention",
    "TeamNameLength",
    "TeamNameTaken",
    "TeamService",
    "UnknownTeam",
    "UnknownTrack",
    "clean_team_name",
    "new_invite_code",
    "normalize_invite_code",
]
