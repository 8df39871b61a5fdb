"""A card's texts checked and normalized: lengths, lists of tags, the timezone."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass

from bot.errors import PodiumError
from bot.services.lfg.errors import (
    CardHasControl,
    LanguagesLength,
    LookingForLength,
    SkillsLength,
    TagLength,
    TooManyLanguages,
    TooManySkills,
    UnknownTimezone,
)
from bot.services.names import name_key

SKILLS_MAX, LANGUAGES_MAX, TIMEZONE_MAX, LOOKING_FOR_MAX = 200, 100, 40, 300
LOOKING_FOR_MIN = 10
MAX_SKILLS, MAX_LANGUAGES, TAG_MAX = 10, 5, 30

_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,，、;；/\n]")


@dataclass(frozen=True, slots=True)
class CardText:
    """A card's texts after the checks; ``skill_tags`` and ``language_tags`` are the
    normalized keys the filters compare."""

    skills: str
    languages: str
    timezone: str
    utc_offset_minutes: int
    looking_for: str
    skill_tags: tuple[str, ...]
    language_tags: tuple[str, ...]


def _has_control(text: str) -> bool:
    return any(
        char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp")
        for char in text
    )


def clean_text(
    text: str, *, low: int, high: int, too_long: type[PodiumError], newlines: bool = False
) -> str:
    """``text`` stripped, blank runs collapsed (line breaks kept only when ``newlines``)
    and checked: ``low``..``high`` characters (else ``too_long``), no control or invisible
    characters (CardHasControl)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    if _has_control(text):
        raise CardHasControl()
    if newlines:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text)
    else:
        text = " ".join(text.split())
    if not low <= len(text) <= high:
        raise too_long(min=low, max=high, length=len(text))
    return text


def tag_list(
    text: str, *, high: int, most: int, too_long: type[PodiumError], too_many: type[PodiumError]
) -> tuple[str, tuple[str, ...]]:
    """A comma-separated list: its display (entries joined by ", ") and its distinct
    normalized tags. Raises ``too_long``, ``too_many``, CardHasControl or TagLength."""
    cleaned = clean_text(text.replace("\n", ","), low=1, high=high, too_long=too_long)
    shown: list[str] = []
    tags: list[str] = []
    for part in _SEPARATORS.split(cleaned):
        entry = " ".join(part.split())
        if not entry:
            continue
        if len(entry) > TAG_MAX:
            raise TagLength(max=TAG_MAX, tag=entry[:40], length=len(entry))
        key = name_key(entry)[:40]
        if key not in tags:
            tags.append(key)
            shown.append(entry)
    if not tags:
        raise too_long(min=1, max=high, length=0)
    if len(tags) > most:
        raise too_many(max=most, count=len(tags))
    return ", ".join(shown), tuple(tags)


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name by its case-folded form."""
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def format_offset(minutes: int) -> str:
    """``UTC+08:00`` for 480."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def parse_timezone(text: str, now: dt.datetime) -> tuple[str, int]:
    """A timezone as typed (an IANA name in any case, or ``UTC+8`` / ``GMT-05:30`` /
    ``+0530``) as (its display name, its UTC offset in minutes at ``now``).
    Raises UnknownTimezone."""
    value = " ".join(text.split())
    if len(value) > TIMEZONE_MAX or _has_control(value):
        raise UnknownTimezone(timezone=value[:TIMEZONE_MAX])
    if value.casefold() in ("utc", "gmt", "z"):
        return "UTC", 0
    match = _OFFSET.fullmatch(value)
    if match:
        hours, minutes = int(match[2]), int(match[3] or 0)
        total = hours * 60 + minutes
        if minutes < 60 and total <= 14 * 60:
            signed = -total if match[1] == "-" else total
            return format_offset(signed), signed
        raise UnknownTimezone(timezone=value)
    name = _zone_names().get(value.replace(" ", "_").casefold())
    if name is None:
        raise UnknownTimezone(timezone=value)
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or dt.timedelta()
    return name, int(offset.total_seconds() // 60)


def check_card(
    *, skills: str, languages: str, timezone: str, looking_for: str, now: dt.datetime
) -> CardText:
    """The card's texts checked (see each helper); raises the first refusal."""
    shown_skills, skill_tags = tag_list(
        skills, high=SKILLS_MAX, most=MAX_SKILLS, too_long=SkillsLength, too_many=TooManySkills
    )
    shown_languages, language_tags = tag_list(
        languages,
        high=LANGUAGES_MAX,
        most=MAX_LANGUAGES,
        too_long=LanguagesLength,
        too_many=TooManyLanguages,
    )
    zone_name, offset = parse_timezone(timezone, now)
    wanted = clean_text(
        looking_for,
        low=LOOKING_FOR_MIN,
        high=LOOKING_FOR_MAX,
        too_long=LookingForLength,
        newlines=True,
    )
    return CardText(
        skills=shown_skills,
        languages=shown_languages,
        timezone=zone_name,
        utc_offset_minutes=offset,
        looking_for=wanted,
        skill_tags=skill_tags,
        language_tags=language_tags,
    )
