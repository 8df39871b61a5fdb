"""Value types and field checks shared by the competition models (keys, names, times, durations)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from bot.durations import format_duration, parse_duration

Locale = Literal["en", "zh_CN"]
LOCALES: Final[tuple[Locale, ...]] = ("en", "zh_CN")

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: Final[tuple[Weekday, ...]] = get_args(Weekday)

# The one list of point sources: organizers give points (refused past a weekly cap), the bot
# gives automatic ones (trimmed to the cap). A new source goes in one of the two.
OrganizerPointSource = Literal["award", "import"]
AutomaticPointSource = Literal["ugc", "qa_attendance", "judging", "results"]
PointSource = Literal[OrganizerPointSource, AutomaticPointSource]
POINT_SOURCES: Final[tuple[PointSource, ...]] = get_args(PointSource)
AUTOMATIC_POINT_SOURCES: Final[tuple[AutomaticPointSource, ...]] = get_args(AutomaticPointSource)

MessageKind = Literal["reminder", "broadcast", "leaderboard", "verification", "calendar"]
MESSAGE_KINDS: Final[tuple[MessageKind, ...]] = get_args(MessageKind)

_KEY_RE: Final = re.compile(r"[a-z0-9_]{2,20}")
_MIME_RE: Final = re.compile(r"[a-z]+/[a-z0-9][a-z0-9.+-]*")
_CONTENT_SID_RE: Final = re.compile(r"HX[0-9a-fA-F]{32}")
_VARIABLE_RE: Final = re.compile(r"[a-z_][a-z0-9_]{0,39}")
_HHMM_RE: Final = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def _issue(*issues: tuple[tuple[str | int, ...], str, str]) -> PydanticCustomError:
    """A validation error that names exact sub-keys and carries its own fix texts.

    Each issue is ``(sub_location, problem, fix)``; the sub-location is appended to the
    location pydantic reports (e.g. ``(2, "promotion_threshold")`` under ``cohorts``).
    One pydantic error can so carry several problems, all of which get reported.
    """
    return PydanticCustomError(
        "podium_config",
        "{summary}",
        {"summary": "; ".join(problem for _, problem, _ in issues), "issues": issues},
    )


def _check_key(value: str) -> str:
    if not _KEY_RE.fullmatch(value):
        raise ValueError(f"must be 2-20 lower-case letters, digits or underscores (got {value!r})")
    return value


def _check_channel_name(value: str) -> str:
    value = value.strip()
    if value.startswith("#"):
        raise ValueError(f"must be the channel name without '#' (got {value!r})")
    if not 1 <= len(value) <= 100:
        raise ValueError(f"must be 1-100 characters (got {len(value)})")
    if value != value.lower() or any(ch.isspace() for ch in value):
        raise ValueError(
            f"must be lower case without spaces, as Discord shows it, e.g. "
            f"{'-'.join(value.lower().split())!r} (got {value!r})"
        )
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


def _lower_text(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _int_to_text(value: object) -> object:
    # ``season = 2026`` is as natural in TOML as ``season = "2026"``.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _parse_hhmm(value: object) -> object:
    if isinstance(value, time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError(
                f'must be a plain local time in whole minutes like "09:00" (got {value})'
            )
        return value
    if isinstance(value, str):
        match = _HHMM_RE.fullmatch(value.strip())
        if match and int(match.group(1)) <= 23 and int(match.group(2)) <= 59:
            return time(int(match.group(1)), int(match.group(2)))
        raise ValueError(f'must be a 24-hour time "HH:MM" such as "09:00" (got {value!r})')
    raise ValueError(f'must be a time in quotes such as "09:00" (got {value!r})')


def _parse_duration_value(value: object) -> object:
    if isinstance(value, timedelta):
        return parse_duration(format_duration(value))  # same limits as written durations
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f'must be a duration in quotes such as "15m" (got {value!r})')


def _check_unique(values: Sequence[str], what: str) -> Sequence[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"lists {what} {value!r} twice")
        seen.add(value)
    return values


class _InvalidDeadline:
    """Carries a deadline parse error from CompetitionConfig (which knows the timezone) to
    TeamsSection (where the error belongs), so the problem is reported at its own key."""

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_deadline(value: object, tz: ZoneInfo | None) -> datetime:
    """Turn a deadline into an aware UTC datetime.

    Accepts ``"YYYY-MM-DD HH:MM"`` (local to ``tz``), ISO 8601 with an offset, or a TOML
    datetime (with an offset, or local to ``tz``). Without ``tz``, local times are refused.
    """
    shown = repr(value) if isinstance(value, str) else str(value)
    expected = (
        '"YYYY-MM-DD HH:MM" in the competition timezone, or ISO 8601 with an offset '
        'such as "2026-12-31T23:59:00+08:00"'
    )
    if isinstance(value, _InvalidDeadline):
        raise ValueError(value.message)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise ValueError(f"needs a time of day as well: use {expected} (got {shown})")
    elif isinstance(value, str):
        text = value.strip()
        try:
            # fromisoformat reads "YYYY-MM-DD HH:MM" as a naive (local) time.
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"is not a valid date and time: use {expected} (got {shown})"
            ) from None
    else:
        raise ValueError(f"must be text in quotes: use {expected} (got {shown})")
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if tz is None:
        raise ValueError(f"needs a UTC offset here: use {expected} (got {shown})")
    local = moment.replace(tzinfo=tz)
    # A wall-clock time skipped by a daylight-saving jump does not survive a round trip.
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment:
        raise ValueError(f"{shown} does not exist in {tz.key} (the clocks skip that time)")
    return local.astimezone(UTC)


def _deadline_before(value: object) -> object:
    if value is None:
        return None
    return _parse_deadline(value, None)


_DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
_Key = Annotated[str, AfterValidator(_check_key)]
_ChannelName = Annotated[str, AfterValidator(_check_channel_name)]
_Duration = Annotated[timedelta, BeforeValidator(_parse_duration_value)]


def _check_mime(value: str) -> str:
    if not _MIME_RE.fullmatch(value):
        raise ValueError(f"must be a lower-case MIME type such as 'image/png' (got {value!r})")
    return value


def _check_content_sid(value: str) -> str:
    if not _CONTENT_SID_RE.fullmatch(value):
        raise ValueError(f"must be HX followed by 32 hex characters (got {value!r})")
    return value


def _check_variable(value: str) -> str:
    if not _VARIABLE_RE.fullmatch(value):
        raise ValueError(f"must be a lower-case name such as 'title' (got {value!r})")
    return value


class _Model(BaseModel):
    """Base of every competition model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
