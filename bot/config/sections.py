"""The tables of the competition rules file, one model per ``[section]``."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_validator

from bot.config.fields import (
    WEEKDAYS,
    Locale,
    MessageKind,
    PointSource,
    Weekday,
    _ChannelName,
    _check_content_sid,
    _check_mime,
    _check_timezone,
    _check_unique,
    _check_variable,
    _deadline_before,
    _DisplayName,
    _Duration,
    _int_to_text,
    _issue,
    _Key,
    _lower_text,
    _Model,
    _parse_hhmm,
)
from bot.durations import format_duration


class LocalizedText(_Model):
    """A display name per language, e.g. ``{ en = "Rookie", zh_CN = "新手营" }``.

    ``en`` is required and is the fallback for languages without their own text.
    """

    en: _DisplayName
    zh_CN: _DisplayName | None = None

    def get(self, locale: str | None) -> str:
        """The text for ``locale`` (``"zh_CN"``, ``"zh-CN"`` or any ``zh*``), else English."""
        if locale and locale.lower().startswith("zh") and self.zh_CN:
            return self.zh_CN
        return self.en


class CompetitionSection(_Model):
    """``[competition]``: name, season label, timezone and weekly rhythm."""

    name: _DisplayName
    season: Annotated[
        str,
        BeforeValidator(_int_to_text),
        StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    ]
    timezone: Annotated[str, AfterValidator(_check_timezone)]
    week_start: Annotated[Weekday, BeforeValidator(_lower_text)] = "monday"
    weekly_post_time: Annotated[time, BeforeValidator(_parse_hhmm)] = time(9, 0)
    default_locale: Locale = "en"

    @property
    def tz(self) -> ZoneInfo:
        """The competition timezone."""
        return ZoneInfo(self.timezone)

    @property
    def week_start_index(self) -> int:
        """The first day of the week, 0 = Monday … 6 = Sunday (as ``date.weekday()``)."""
        return WEEKDAYS.index(self.week_start)


class RolesSection(_Model):
    """``[roles]``: Discord role names with special meaning."""

    organizer: _DisplayName = "Organizer"
    alumni: _DisplayName = "Alumni"


class ChannelsSection(_Model):
    """``[channels]``: channel names (not ids); ``/admin setup`` creates missing ones."""

    category: _DisplayName = "Podium"
    organizers: _ChannelName = "organizers"
    leaderboard: _ChannelName = "leaderboard"
    gallery: _ChannelName = "ugc-gallery"
    announcements: _ChannelName = "announcements"
    alumni: _ChannelName = "alumni-lounge"


class CohortConfig(_Model):
    """One ``[[cohorts]]`` entry: a tier with its own role, channels and entry threshold."""

    key: _Key
    name: LocalizedText
    role: _DisplayName
    channels: Annotated[
        tuple[_ChannelName, ...],
        Field(min_length=1),
        AfterValidator(lambda v: tuple(_check_unique(v, "channel"))),
    ]
    promotion_threshold: int = Field(ge=0)

    @property
    def announcement_channel(self) -> str:
        """The channel that receives this cohort's announcements and reminders."""
        return self.channels[0]


class TrackConfig(_Model):
    """One ``[[tracks]]`` entry (e.g. student / professional), with its own leaderboards."""

    key: _Key
    name: LocalizedText


class TeamsSection(_Model):
    """``[teams]``: size limits, registration deadline and team channels."""

    min_size: int = Field(default=1, ge=1, le=50)
    max_size: int = Field(default=5, ge=1, le=50)
    registration_deadline: Annotated[datetime | None, BeforeValidator(_deadline_before)] = None
    """Aware UTC datetime, or None for no deadline."""
    private_channels: bool = False
    channel_category: _DisplayName = "Teams"

    @field_validator("max_size")
    @classmethod
    def _max_not_below_min(cls, value: int, info: Any) -> int:
        min_size = info.data.get("min_size")
        if isinstance(min_size, int) and value < min_size:
            raise ValueError(f"must be at least min_size ({min_size}) (got {value})")
        return value


class PointsSection(_Model):
    """``[points]``: point amounts and weekly caps per source."""

    alumni_top_n: int = Field(default=20, ge=1, le=1000)
    qa_checkin: int = Field(default=10, ge=0, le=100_000)
    contest_placing: tuple[Annotated[int, Field(ge=0, le=100_000)], ...] = (100, 60, 30)
    weekly_caps: dict[PointSource, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)

    @field_validator("contest_placing")
    @classmethod
    def _placing_not_increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for index in range(1, len(value)):
            if value[index] > value[index - 1]:
                raise _issue(
                    (
                        (index,),
                        f"gives place {index + 1} more points ({value[index]}) than place "
                        f"{index} ({value[index - 1]})",
                        "list points from 1st place down, each no higher than the one before, "
                        "e.g. [100, 60, 30].",
                    )
                )
        return value

    def weekly_cap(self, source: str) -> int | None:
        """The most points ``source`` may give a team per week, or None for no cap."""
        return self.weekly_caps.get(typing.cast(PointSource, source))


class VotesSection(_Model):
    """``[votes]``: UGC submission and voting rules, including anti-brushing limits."""

    max_votes_per_contest: int = Field(default=3, ge=1, le=100)
    min_account_age_days: int = Field(default=7, ge=0, le=3650)
    min_membership_age_days: int = Field(default=1, ge=0, le=3650)
    rate_limit_per_minute: int = Field(default=10, ge=1, le=600)
    allow_multiple_submissions: bool = False
    max_attachment_mb: int = Field(default=25, ge=1, le=500)
    attachment_types: Annotated[
        tuple[Annotated[str, AfterValidator(_check_mime)], ...],
        Field(min_length=1),
        AfterValidator(lambda v: tuple(_check_unique(v, "type"))),
    ] = ("image/png", "image/jpeg", "video/mp4", "application/pdf")
    brushing_window: _Duration = timedelta(minutes=10)

    @property
    def max_attachment_bytes(self) -> int:
        """``max_attachment_mb`` in bytes (MiB)."""
        return self.max_attachment_mb * 1024 * 1024


class RemindersSection(_Model):
    """``[reminders]``: when Q&A reminders go out, and how late a missed job may still fire."""

    offsets: tuple[_Duration, ...] = (timedelta(hours=24), timedelta(hours=1))
    """Durations before a session starts, sorted from the earliest reminder (largest) down."""
    grace_period: _Duration = timedelta(minutes=15)

    @field_validator("offsets")
    @classmethod
    def _sorted_unique_offsets(cls, value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
        seen: set[timedelta] = set()
        for index, offset in enumerate(value):
            if offset in seen:
                raise _issue(
                    (
                        (index,),
                        f"lists {format_duration(offset)} twice",
                        'list each reminder time once, e.g. ["24h", "1h"].',
                    )
                )
            seen.add(offset)
        return tuple(sorted(value, reverse=True))


class EngagementSection(_Model):
    """``[engagement]``: when a drop in weekly actives raises an alert."""

    drop_alert_percent: int = Field(default=15, ge=1, le=100)
    #: A cohort whose previous week had fewer weekly actives than this never alerts
    #: (2 → 1 actives is a 50% drop but says nothing).
    drop_alert_min_actives: int = Field(default=10, ge=1, le=1_000_000)


class TemplateRef(_Model):
    """An approved WhatsApp template: its Content SID and the names that fill ``{{1}}``…"""

    content_sid: Annotated[str, AfterValidator(_check_content_sid)]
    variables: Annotated[
        tuple[Annotated[str, AfterValidator(_check_variable)], ...],
        AfterValidator(lambda v: tuple(_check_unique(v, "variable"))),
    ] = ()

    def content_variables(self, values: Mapping[str, str]) -> dict[str, str]:
        """Twilio ``ContentVariables`` (``{"1": ..., "2": ...}``) from named values.

        Raises:
            KeyError: if ``values`` lacks one of the template's variables.
        """
        return {str(position): values[name] for position, name in enumerate(self.variables, 1)}


class LocalizedTemplates(_Model):
    """One message kind's templates per language."""

    en: TemplateRef | None = None
    zh_CN: TemplateRef | None = None


class WhatsAppTemplates(_Model):
    """``[whatsapp.templates.<kind>.<language>]`` for each message kind."""

    reminder: LocalizedTemplates = Field(default_factory=LocalizedTemplates)
    broadcast: LocalizedTemplates = Field(default_factory=LocalizedTemplates)
    leaderboard: LocalizedTemplates = Field(default_factory=LocalizedTemplates)
    verification: LocalizedTemplates = Field(default_factory=LocalizedTemplates)


class WhatsAppSection(_Model):
    """``[whatsapp]``: relay throughput and message templates."""

    messages_per_second: float = Field(default=10, gt=0, le=1000)
    concurrency: int = Field(default=8, ge=1, le=100)
    templates: WhatsAppTemplates = Field(default_factory=WhatsAppTemplates)

    def template(self, kind: MessageKind, language: str | None) -> TemplateRef | None:
        """The template for ``kind`` in ``language``; falls back to English, then Chinese.

        Returns None when no template is configured for ``kind`` at all.
        """
        localized: LocalizedTemplates = getattr(self.templates, kind)
        if language and language.lower().startswith("zh") and localized.zh_CN:
            return localized.zh_CN
        return localized.en or localized.zh_CN


# -- [judging] (issue 16) ---------------------------------------------------------------
class JudgingCriterion(_Model):
    """One ``[[judging.criteria]]`` entry: a rubric criterion and its weight."""

    key: _Key
    name: _DisplayName
    name_zh: _DisplayName | None = None
    weight: float = Field(default=1.0, gt=0, le=100)

    def label(self, locale: str | None) -> str:
        """The criterion's name in ``locale`` (Chinese when given, else English)."""
        if locale and locale.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name


#: The rubric when ``[judging]`` names no criteria: the organizers' playbook's three.
DEFAULT_JUDGING_CRITERIA: tuple[JudgingCriterion, ...] = (
    JudgingCriterion(key="feasibility", name="Feasibility", name_zh="可行性"),
    JudgingCriterion(key="innovation", name="Innovation", name_zh="创新性"),
    JudgingCriterion(key="business_value", name="Business value", name_zh="商业价值"),
)


class JudgingSection(_Model):
    """``[judging]``: the default rubric, judges per entry, result weights and placing points."""

    judge_role: _DisplayName = "Judge"
    scale_min: int = Field(default=1, ge=0, le=100)
    scale_max: int = Field(default=10, ge=1, le=100)
    judges_per_entry: int = Field(default=3, ge=1, le=20)
    normalize: bool = False
    judge_weight: float = Field(default=1.0, ge=0, le=1)
    community_weight: float = Field(default=0.0, ge=0, le=1)
    placing_points: tuple[Annotated[int, Field(ge=0, le=100_000)], ...] = (300, 200, 100)
    share_comments: bool = False
    remind_hours_before_deadline: int = Field(default=24, ge=1, le=24 * 30)
    criteria: Annotated[
        tuple[JudgingCriterion, ...],
        Field(max_length=5),
    ] = DEFAULT_JUDGING_CRITERIA

    @field_validator("scale_max")
    @classmethod
    def _max_above_min(cls, value: int, info: Any) -> int:
        low = info.data.get("scale_min")
        if isinstance(low, int) and value <= low:
            raise ValueError(f"must be above scale_min ({low}) (got {value})")
        return value

    @field_validator("criteria")
    @classmethod
    def _criteria_keys_unique(
        cls, value: tuple[JudgingCriterion, ...]
    ) -> tuple[JudgingCriterion, ...]:
        if not value:
            return DEFAULT_JUDGING_CRITERIA
        _check_unique([c.key for c in value], "criterion key")
        return value

    @field_validator("community_weight")
    @classmethod
    def _weights_not_both_zero(cls, value: float, info: Any) -> float:
        judge = info.data.get("judge_weight")
        if isinstance(judge, float | int) and judge + value <= 0:
            raise ValueError("judge_weight and community_weight cannot both be 0")
        return value
