"""Team names and invite codes: the checks a name must pass, and how codes are made."""

from __future__ import annotations

import re
import secrets
import unicodedata

from bot.services.names import name_key
from bot.services.teams.errors import (
    TeamNameHasControl,
    TeamNameHasLink,
    TeamNameHasMention,
    TeamNameLength,
)

NAME_MIN = 2
NAME_MAX = 32
#: Invite codes: no 0/O, 1/I/L, so they survive being read aloud or retyped.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 10

_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b", re.IGNORECASE)
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|\bwww\.|discord(?:app)?\.(?:gg|com)/|"
    r"\b[a-z0-9-]+\.(?:com|net|org|io|gg|cn|co|me|xyz|app|dev|info|biz|ly|to|tv|link|site|"
    r"shop|top|online|store)\b)",
    re.IGNORECASE,
)


def clean_team_name(raw: str) -> tuple[str, str]:
    """Check a team name against §3.1 and return it tidied (outer spaces stripped, inner
    runs of spaces collapsed) with its comparison key. Raises a TeamName* error."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in raw):
        raise TeamNameHasControl()
    name = " ".join(raw.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise TeamNameLength(min=NAME_MIN, max=NAME_MAX, length=len(name))
    normalized = unicodedata.normalize("NFKC", name)
    if _MENTION.search(normalized):
        raise TeamNameHasMention()
    if _LINK.search(normalized):
        raise TeamNameHasLink()
    return name, name_key(name)


def normalize_invite_code(raw: str) -> str:
    """The code as stored: upper case, without spaces, dashes or backticks."""
    return re.sub(r"[\s`\-]", "", unicodedata.normalize("NFKC", raw)).upper()


def new_invite_code() -> str:
    """A random, unguessable invite code (10 characters, about 50 bits)."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
