"""``[calendar]``: the season's phases (``[[calendar.phases]]``) and when their notices go out."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator

from bot.config.fields import (
    _deadline_before,
    _Duration,
    _InvalidDeadline,
    _issue,
    _Key,
    _Model,
    _parse_deadline,
)
from bot.config.sections import LocalizedText

PhaseKind = Literal["registration", "checkin", "round", "final", "awards", "other"]
PHASE_KINDS: Final[tuple[PhaseKind, ...]] = get_args(PhaseKind)

_Instant = Annotated[datetime, BeforeValidator(_deadline_before)]


class LocalizedDescription(_Model):
    """A longer text per language (up to 1,000 characters); ``en`` is the fallback."""

    en: Annotated[str, Field(min_length=1, max_length=1000)]
    zh_CN: Annotated[str, Field(min_length=1, max_length=1000)] | None = None

    def get(self, locale: str | None) -> str:
        """The text for ``locale`` (any ``zh*`` reads ``zh_CN``), else English."""
        if locale and locale.lower().startswith("zh") and self.zh_CN:
            return self.zh_CN
        return self.en


class PhaseConfig(_Model):
    """One ``[[calendar.phases]]`` entry: [start, end) in UTC once loaded."""

    key: _Key
    kind: PhaseKind
    name: LocalizedText
    start: _Instant
    end: _Instant
    description: LocalizedDescription | None = None

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: datetime, info: Any) -> datetime:
        start = info.data.get("start")
        if isinstance(start, datetime) and value <= start:
            raise ValueError(
                f"must be after start ({start:%Y-%m-%d %H:%M} UTC) (got {value:%Y-%m-%d %H:%M} UTC)"
            )
        return value


class CalendarSection(_Model):
    """``[calendar]``: the phases, in any order, none overlapping another."""

    deadline_notice: _Duration = timedelta(hours=24)
    """How long before a phase ends its deadline notice goes out."""
    phases: tuple[PhaseConfig, ...] = ()

    @field_validator("phases")
    @classmethod
    def _check_phases(cls, phases: tuple[PhaseConfig, ...]) -> tuple[PhaseConfig, ...]:
        issues: list[tuple[tuple[str | int, ...], str, str]] = []
        first_index: dict[str, int] = {}
        for index, phase in enumerate(phases):
            if phase.key in first_index:
                issues.append(
                    (
                        (index, "key"),
                        f"{phase.key!r} is already used by phases[{first_index[phase.key]}]",
                        "give every phase its own key.",
                    )
                )
            first_index.setdefault(phase.key, index)
        for index, phase in enumerate(phases):
            for other_index in range(index):
                other = phases[other_index]
                if phase.start < other.end and other.start < phase.end:
                    issues.append(
                        (
                            (index, "start"),
                            f"phase {phase.key!r} overlaps phase {other.key!r} "
                            f"(phases[{other_index}])",
                            "let each phase start at or after the end of the one before it.",
                        )
                    )
        if issues:
            raise _issue(*issues)
        return phases

    @property
    def ordered(self) -> tuple[PhaseConfig, ...]:
        """The phases in time order."""
        return tuple(sorted(self.phases, key=lambda phase: phase.start))

    def phase(self, key: str) -> PhaseConfig | None:
        """The phase with this key, or None."""
        return next((phase for phase in self.phases if phase.key == key), None)


def localize_phases(data: Any) -> Any:
    """Read the phases' local start and end in the competition timezone (a ``before``
    step of ``CompetitionConfig``); a time that cannot be read is reported at its key."""
    if not isinstance(data, Mapping):
        return data
    calendar, competition = data.get("calendar"), data.get("competition")
    if not isinstance(calendar, Mapping) or not isinstance(calendar.get("phases"), list):
        return data
    tz: ZoneInfo = ZoneInfo("UTC")  # stand-in; a bad timezone is reported on its own
    if isinstance(competition, Mapping) and isinstance(competition.get("timezone"), str):
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo(competition["timezone"])
    phases: list[Any] = []
    for phase in calendar["phases"]:
        if isinstance(phase, Mapping):
            phase = dict(phase)
            for field in ("start", "end"):
                if phase.get(field) is None:
                    continue
                try:
                    phase[field] = _parse_deadline(phase[field], tz)
                except ValueError as exc:
                    phase[field] = _InvalidDeadline(str(exc))
        phases.append(phase)
    return {**data, "calendar": {**calendar, "phases": phases}}


#: Fix texts for the ``calendar`` keys (merged into the competition file's fix texts).
CALENDAR_FIXES: Final[dict[str, str]] = {
    "calendar": (
        "make [calendar] a table with [[calendar.phases]] blocks (see competition.example.toml)."
    ),
    "calendar.deadline_notice": 'use a duration in quotes such as "24h" (units d, h, m, s).',
    "calendar.phases": (
        "add [[calendar.phases]] blocks, each with key, kind, name, start and end; phases "
        "must not overlap."
    ),
    "calendar.phases.key": 'use 2-20 lower-case letters, digits or underscores, e.g. "round1".',
    "calendar.phases.kind": ("use one of: " + ", ".join(PHASE_KINDS) + "."),
    "calendar.phases.name": (
        'write the names per language, e.g. name = { en = "Round 1", zh_CN = "第一轮" }.'
    ),
    "calendar.phases.name.*": "give a display name of 1-100 characters.",
    "calendar.phases.start": (
        'use "YYYY-MM-DD HH:MM" in the competition timezone (e.g. "2027-01-11 09:00"), '
        "before end and not inside another phase."
    ),
    "calendar.phases.end": (
        'use "YYYY-MM-DD HH:MM" in the competition timezone (e.g. "2027-01-24 23:59"), after start.'
    ),
    "calendar.phases.description": (
        'write the description per language, e.g. description = { en = "…", zh_CN = "…" }.'
    ),
    "calendar.phases.description.*": "give a text of 1-1,000 characters.",
}
