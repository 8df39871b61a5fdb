"""The team finder (issue 18): free agents publish a card (``/lfg post``), captains browse
and filter the cards and invite; the invited member accepts and joins through the teams
service, whose size and registration rules apply. A card goes when its owner joins a team
any way (the teams service's joined hook), and invites expire after ``[lfg] invite_ttl``.
"""

from bot.services.lfg.cards import CardText, check_card, format_offset, parse_timezone
from bot.services.lfg.errors import (
    AlreadyInvited,
    CardGone,
    CardHasControl,
    HasTeam,
    InviteAnswered,
    InviteExpired,
    InviteVoid,
    LanguagesLength,
    LookingForLength,
    NoCard,
    SkillsLength,
    TagLength,
    TooManyInvites,
    TooManyLanguages,
    TooManySkills,
    TrackMismatch,
    UnknownInvite,
    UnknownTimezone,
)
from bot.services.lfg.models import Card, CardPage, Filters, Invite
from bot.services.lfg.service import PAGE_SIZE, LfgService

__all__ = [
    "PAGE_SIZE",
    "AlreadyInvited",
    "Card",
    "CardGone",
    "CardHasControl",
    "CardPage",
    "CardText",
    "Filters",
    "HasTeam",
    "Invite",
    "InviteAnswered",
    "InviteExpired",
    "InviteVoid",
    "LanguagesLength",
    "LfgService",
    "LookingForLength",
    "NoCard",
    "SkillsLength",
    "TagLength",
    "TooManyInvites",
    "TooManyLanguages",
    "TooManySkills",
    "TrackMismatch",
    "UnknownInvite",
    "UnknownTimezone",
    "check_card",
    "format_offset",
    "parse_timezone",
]
