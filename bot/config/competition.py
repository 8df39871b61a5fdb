"""The competition rules file as a whole (CompetitionConfig) and the fix text for its keys."""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Mapping
from datetime import time
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from bot.config.fields import _InvalidDeadline, _issue, _Model, _parse_deadline
from bot.config.phases import CALENDAR_FIXES, CalendarSection, localize_phases
from bot.config.progress import PROGRESS_FIXES, ProgressSection
from bot.config.registration import RegistrationSection
from bot.config.results import RESULTS_FIXES, ResultsSection
from bot.config.results_scoring import SCORING_FIXES
from bot.config.sections import (
    CapacitySection,
    ChannelsSection,
    CohortConfig,
    CompetitionSection,
    EngagementSection,
    JudgingSection,
    LfgSection,
    ModerationSection,
    PointsSection,
    RemindersSection,
    RolesSection,
    TeamsSection,
    TrackConfig,
    VotesSection,
    WhatsAppSection,
)


class CompetitionConfig(_Model):
    """The whole competition rules file, validated.

    ``competition``, ``cohorts`` and ``tracks`` are required; every other table has
    defaults. Cohorts are ordered from entry level up, with unique keys and roles, the
    first threshold 0 and thresholds never decreasing. ``teams.registration_deadline`` is
    read in the competition timezone and stored as an aware UTC datetime.
    """

    competition: CompetitionSection
    roles: RolesSection = Field(default_factory=RolesSection)
    channels: ChannelsSection = Field(default_factory=ChannelsSection)
    cohorts: tuple[CohortConfig, ...] = Field(min_length=1)
    tracks: tuple[TrackConfig, ...] = Field(min_length=1)
    teams: TeamsSection = Field(default_factory=TeamsSection)
    points: PointsSection = Field(default_factory=PointsSection)
    votes: VotesSection = Field(default_factory=VotesSection)
    reminders: RemindersSection = Field(default_factory=RemindersSection)
    engagement: EngagementSection = Field(default_factory=EngagementSection)
    whatsapp: WhatsAppSection = Field(default_factory=WhatsAppSection)
    calendar: CalendarSection = Field(default_factory=CalendarSection)
    lfg: LfgSection = Field(default_factory=LfgSection)
    capacity: CapacitySection = Field(default_factory=CapacitySection)
    registration: RegistrationSection = Field(default_factory=RegistrationSection)
    moderation: ModerationSection = Field(default_factory=ModerationSection)
    judging: JudgingSection = Field(default_factory=JudgingSection)
    results: ResultsSection = Field(default_factory=ResultsSection)
    progress: ProgressSection = Field(default_factory=ProgressSection)

    @model_validator(mode="before")
    @classmethod
    def _localize_deadline(cls, data: Any) -> Any:
        """Read a local registration deadline in the competition timezone."""
        if not isinstance(data, Mapping):
            return data
        teams, competition = data.get("teams"), data.get("competition")
        if not isinstance(teams, Mapping) or teams.get("registration_deadline") is None:
            return data
        tz: ZoneInfo = ZoneInfo("UTC")  # stand-in; a bad timezone is reported on its own
        if isinstance(competition, Mapping) and isinstance(competition.get("timezone"), str):
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                tz = ZoneInfo(competition["timezone"])
        deadline: object
        try:
            deadline = _parse_deadline(teams["registration_deadline"], tz)
        except ValueError as exc:
            deadline = _InvalidDeadline(str(exc))
        return {**data, "teams": {**teams, "registration_deadline": deadline}}

    @model_validator(mode="before")
    @classmethod
    def _localize_phases(cls, data: Any) -> Any:
        """Read the calendar phases' local times in the competition timezone."""
        return localize_phases(data)

    @model_validator(mode="before")
    @classmethod
    def _localize_checkin(cls, data: Any) -> Any:
        """Read local check-in times in the competition timezone (as the deadline)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("capacity"), Mapping):
            return data
        capacity, competition = dict(data["capacity"]), data.get("competition")
        tz: ZoneInfo = ZoneInfo("UTC")
        if isinstance(competition, Mapping) and isinstance(competition.get("timezone"), str):
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                tz = ZoneInfo(competition["timezone"])
        for key in ("checkin_opens", "checkin_closes"):
            if capacity.get(key) is not None:
                try:
                    capacity[key] = _parse_deadline(capacity[key], tz)
                except ValueError as exc:
                    capacity[key] = _InvalidDeadline(str(exc))
        return {**data, "capacity": capacity}

    @field_validator("cohorts")
    @classmethod
    def _check_cohort_order(cls, cohorts: tuple[CohortConfig, ...]) -> tuple[CohortConfig, ...]:
        issues: list[tuple[tuple[str | int, ...], str, str]] = []
        if cohorts and cohorts[0].promotion_threshold != 0:
            issues.append(
                (
                    (0, "promotion_threshold"),
                    f"must be 0 for the first (entry-level) cohort "
                    f"(got {cohorts[0].promotion_threshold})",
                    "set promotion_threshold = 0 on the first [[cohorts]] block; every "
                    "member starts there.",
                )
            )
        for index in range(1, len(cohorts)):
            before, cohort = cohorts[index - 1], cohorts[index]
            if cohort.promotion_threshold < before.promotion_threshold:
                issues.append(
                    (
                        (index, "promotion_threshold"),
                        f"is lower than the threshold of the cohort before it "
                        f"({cohort.promotion_threshold} < {before.promotion_threshold} of "
                        f"{before.key!r})",
                        "order [[cohorts]] from entry level up, with thresholds that never "
                        "decrease.",
                    )
                )
        for attribute, what in (("key", "key"), ("role", "role")):
            first_index: dict[str, int] = {}
            for index, cohort in enumerate(cohorts):
                value = getattr(cohort, attribute)
                if value in first_index:
                    issues.append(
                        (
                            (index, attribute),
                            f"{value!r} is already used by cohorts[{first_index[value]}]",
                            f"give every cohort its own {what}.",
                        )
                    )
                first_index.setdefault(value, index)
        if issues:
            raise _issue(*issues)
        return cohorts

    @field_validator("tracks")
    @classmethod
    def _check_track_keys(cls, tracks: tuple[TrackConfig, ...]) -> tuple[TrackConfig, ...]:
        first_index: dict[str, int] = {}
        issues: list[tuple[tuple[str | int, ...], str, str]] = []
        for index, track in enumerate(tracks):
            if track.key in first_index:
                issues.append(
                    (
                        (index, "key"),
                        f"{track.key!r} is already used by tracks[{first_index[track.key]}]",
                        "give every track its own key.",
                    )
                )
            first_index.setdefault(track.key, index)
        if issues:
            raise _issue(*issues)
        return tracks

    @model_validator(mode="after")
    def _check_special_roles(self) -> CompetitionConfig:
        special = {self.roles.organizer: "organizer", self.roles.alumni: "alumni"}
        issues: list[tuple[tuple[str | int, ...], str, str]] = [
            (
                ("cohorts", index, "role"),
                f"{cohort.role!r} is also the {special[cohort.role]} role in [roles]",
                "give cohorts roles of their own; a cohort role is swapped on promotion.",
            )
            for index, cohort in enumerate(self.cohorts)
            if cohort.role in special
        ]
        if issues:
            raise _issue(*issues)
        return self

    @model_validator(mode="after")
    def _check_scored_tracks(self) -> CompetitionConfig:
        tracks = {track.key for track in self.tracks}
        issues: list[tuple[tuple[str | int, ...], str, str]] = [
            (
                ("results", "scoring", "tracks", index, "track"),
                f"names track {entry.track!r}, which is not in [[tracks]]",
                f"use one of the [[tracks]] keys: {', '.join(sorted(tracks))}.",
            )
            for index, entry in enumerate(self.results.scoring.tracks)
            if entry.track not in tracks
        ]
        if issues:
            raise _issue(*issues)
        return self

    # -- helpers ---------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        """The competition timezone (``competition.timezone``)."""
        return self.competition.tz

    @property
    def week_start_index(self) -> int:
        """First day of the competition week, 0 = Monday … 6 = Sunday."""
        return self.competition.week_start_index

    @property
    def weekly_post_time(self) -> time:
        """Local time on the week's first day when last week's boards are posted."""
        return self.competition.weekly_post_time

    @property
    def cohort_keys(self) -> tuple[str, ...]:
        """Cohort keys from entry level up."""
        return tuple(cohort.key for cohort in self.cohorts)

    @property
    def track_keys(self) -> tuple[str, ...]:
        """Track keys in file order."""
        return tuple(track.key for track in self.tracks)

    def cohort(self, key: str) -> CohortConfig:
        """The cohort with this key. Raises KeyError for an unknown key."""
        for cohort in self.cohorts:
            if cohort.key == key:
                return cohort
        raise KeyError(f"unknown cohort {key!r}; known: {', '.join(self.cohort_keys)}")

    def track(self, key: str) -> TrackConfig:
        """The track with this key. Raises KeyError for an unknown key."""
        for track in self.tracks:
            if track.key == key:
                return track
        raise KeyError(f"unknown track {key!r}; known: {', '.join(self.track_keys)}")

    def next_cohort(self, key: str) -> CohortConfig | None:
        """The cohort above ``key``, or None for the top one. Raises KeyError if unknown."""
        index = self.cohorts.index(self.cohort(key))
        return self.cohorts[index + 1] if index + 1 < len(self.cohorts) else None

    def cohort_for_points(self, season_points: int) -> CohortConfig:
        """The highest cohort whose promotion threshold ``season_points`` reaches."""
        reached = self.cohorts[0]
        for cohort in self.cohorts:
            if season_points >= cohort.promotion_threshold:
                reached = cohort
        return reached


# Fix texts for competition keys, matched (first match wins) against the key's path with
# list indices removed, e.g. "cohorts.promotion_threshold".
_TOML_FIXES: Final[dict[str, str]] = {
    "competition": (
        "add a [competition] table with name, season and timezone (see competition.example.toml)."
    ),
    "competition.name": (
        'give the competition a name, e.g. name = "Cross-Border E-Commerce Challenge 2026".'
    ),
    "competition.season": 'give the season a short label, e.g. season = "2026".',
    "competition.timezone": (
        'use an IANA timezone name such as "Asia/Shanghai" or "Europe/London" '
        "(https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)."
    ),
    "competition.week_start": "use a weekday name: monday, tuesday, … or sunday.",
    "competition.weekly_post_time": 'use a 24-hour local time in quotes, e.g. "09:00".',
    "competition.default_locale": 'use "en" or "zh_CN".',
    "roles": "make [roles] a table with organizer and alumni role names.",
    "roles.*": "use the Discord role's exact name (1-100 characters).",
    "channels": "make [channels] a table of channel names.",
    "channels.category": "use a category name of 1-100 characters.",
    "channels.*": 'use a Discord channel name: lower case, no spaces or "#", e.g. "ugc-gallery".',
    "cohorts": (
        "add [[cohorts]] blocks, from entry level up, each with key, name, role, channels "
        "and promotion_threshold."
    ),
    "cohorts.key": 'use 2-20 lower-case letters, digits or underscores, e.g. "rookie".',
    "cohorts.name": (
        'write the names per language, e.g. name = { en = "Rookie", zh_CN = "新手营" }.'
    ),
    "cohorts.name.*": "give a display name of 1-100 characters.",
    "cohorts.role": (
        "use the Discord role's exact name (1-100 characters), a different one per cohort."
    ),
    "cohorts.channels": (
        'list one or more channel names, e.g. channels = ["rookie-camp"]; lower case, no '
        "spaces; the first one gets the cohort's announcements."
    ),
    "cohorts.promotion_threshold": "use a whole number of season points, 0 or more.",
    "tracks": 'add [[tracks]] blocks, each with key and name, e.g. key = "student".',
    "tracks.key": 'use 2-20 lower-case letters, digits or underscores, e.g. "student".',
    "tracks.name": (
        'write the names per language, e.g. name = { en = "Student", zh_CN = "学生组" }.'
    ),
    "tracks.name.*": "give a display name of 1-100 characters.",
    "tracks.cap": "use a whole number of teams from 1 to 100000, or remove the line for no cap.",
    "tracks.eligibility": (
        'use eligibility = { email_domains = ["edu", "edu.cn"], proof = true }: an address at '
        "one of the domains (confirmed by a code) or an approved proof makes a member eligible."
    ),
    "tracks.eligibility.email_domains": 'list domains without "@", e.g. ["edu", "ac.uk"].',
    "tracks.eligibility.proof": "use true (organizers approve uploaded proofs) or false.",
    "registration": "make [registration] a table (see competition.example.toml).",
    "registration.fields": (
        "use [[registration.fields]] blocks (at most 14) with key, label, type, required, "
        "max_length and, for type choice, choices."
    ),
    "registration.fields.key": 'use 2-20 lower-case letters, digits or underscores, e.g. "school".',
    "registration.fields.label": 'write label = { en = "School", zh_CN = "学校" } (45 characters).',
    "registration.fields.label.*": "give a label of 1-45 characters (Discord's limit).",
    "registration.fields.type": 'use "text", "email", "country", "year" or "choice".',
    "registration.fields.required": "use true or false.",
    "registration.fields.max_length": "use a whole number of characters from 1 to 1000.",
    "registration.fields.choices": 'list the allowed answers, e.g. ["Bachelor", "Master"].',
    "registration.consent": 'write consent = { en = "...", zh_CN = "..." } (1500 characters).',
    "registration.consent.*": "write the consent wording in 1-1500 characters.",
    "registration.consent_version": (
        'use a short label such as "1" or "2026-09"; change it with the wording.'
    ),
    "teams": "make [teams] a table (see competition.example.toml).",
    "teams.min_size": "use a whole number from 1 to 50, no larger than max_size.",
    "teams.max_size": "use a whole number from 1 to 50, no smaller than min_size.",
    "teams.registration_deadline": (
        'use "YYYY-MM-DD HH:MM" in the competition timezone (e.g. "2026-12-31 23:59") or '
        "ISO 8601 with an offset; remove the line for no deadline."
    ),
    "teams.private_channels": "use true or false.",
    "teams.channel_category": "use a category name of 1-100 characters.",
    "points": "make [points] a table (see competition.example.toml).",
    "points.alumni_top_n": "use a whole number of teams, 1 or more (e.g. 20).",
    "points.qa_checkin": "use a whole number of points, 0 or more.",
    "points.contest_placing": (
        "list whole-number points for 1st, 2nd, 3rd…, each 0 or more and no higher than "
        "the place before, e.g. [100, 60, 30]."
    ),
    "points.weekly_caps": (
        "use [points.weekly_caps] with keys award, import, ugc, qa_attendance, judging or "
        "results and a whole number of points above 0; leave a source out for no cap."
    ),
    "points.weekly_caps.*": "use a whole number of points above 0, or remove the line for no cap.",
    "votes": "make [votes] a table (see competition.example.toml).",
    "votes.max_votes_per_contest": "use a whole number from 1 to 100.",
    "votes.min_account_age_days": "use a whole number of days, 0 (no minimum) or more.",
    "votes.min_membership_age_days": "use a whole number of days, 0 (no minimum) or more.",
    "votes.rate_limit_per_minute": "use a whole number of votes per minute from 1 to 600.",
    "votes.allow_multiple_submissions": "use true or false.",
    "votes.max_attachment_mb": (
        "use a whole number of megabytes from 1 to 500 (Discord's own limit applies too)."
    ),
    "votes.attachment_types": (
        'list MIME types, e.g. ["image/png", "image/jpeg", "video/mp4", "application/pdf"].'
    ),
    "votes.brushing_window": 'use a duration in quotes such as "10m" (units d, h, m, s).',
    "reminders": "make [reminders] a table (see competition.example.toml).",
    "reminders.offsets": 'list durations before the start, e.g. ["24h", "1h"] (units d, h, m, s).',
    "reminders.grace_period": 'use a duration in quotes such as "15m" (units d, h, m, s).',
    "engagement": "make [engagement] a table (see competition.example.toml).",
    "engagement.drop_alert_percent": "use a whole number from 1 to 100 (e.g. 15 for a 15% drop).",
    "engagement.drop_alert_min_actives": (
        "use a whole number of at least 1 (e.g. 10: smaller cohorts never alert)."
    ),
    "lfg": "make [lfg] a table (see competition.example.toml).",
    "lfg.invite_ttl": 'use a duration in quotes from "1h" to "30d", such as "72h".',
    "lfg.max_pending_invites": "use a whole number from 1 to 100.",
    "lfg.timezone_window_hours": "use a whole number of hours from 0 to 12.",
    "capacity": "make [capacity] a table (see competition.example.toml).",
    "capacity.offer_window": 'use a duration in quotes such as "48h" (units d, h, m, s).',
    "capacity.checkin_opens": (
        'use "YYYY-MM-DD HH:MM" in the competition timezone or ISO 8601 with an offset, '
        "before checkin_closes; set both or neither."
    ),
    "capacity.checkin_closes": (
        'use "YYYY-MM-DD HH:MM" in the competition timezone or ISO 8601 with an offset, '
        "after checkin_opens; set both or neither."
    ),
    "capacity.checkin_reminder": 'use a duration in quotes such as "24h" (units d, h, m, s).',
    "moderation": "make [moderation] a table (see competition.example.toml).",
    "moderation.report_alert_threshold": (
        "use a whole number from 0 to 1000 (e.g. 3; 0 = no notice to organizers)."
    ),
    "whatsapp": "make [whatsapp] a table (see competition.example.toml).",
    "whatsapp.messages_per_second": (
        "use a number above 0, e.g. 10 (a WhatsApp sender's default limit is 80 per second)."
    ),
    "whatsapp.concurrency": "use a whole number from 1 to 100.",
    "whatsapp.templates": (
        "use tables such as [whatsapp.templates.reminder.en] for the kinds reminder, "
        "broadcast, leaderboard, verification and calendar and the languages en and zh_CN."
    ),
    "whatsapp.templates.*.*.content_sid": (
        "copy the template's Content SID (HX followed by 32 hex characters) from Twilio "
        "Console → Messaging → Content Template Builder."
    ),
    "whatsapp.templates.*.*.variables": (
        'list the names that fill the template\'s {{1}}, {{2}}… in order, e.g. ["title", "start"].'
    ),
    "whatsapp.templates.*": (
        "use [whatsapp.templates.<kind>.<language>] tables with content_sid and variables; "
        "kinds: reminder, broadcast, leaderboard, verification, calendar; languages: en, zh_CN."
    ),
    **CALENDAR_FIXES,
    **RESULTS_FIXES,
    **SCORING_FIXES,
    **PROGRESS_FIXES,
    # [judging] (issue 16)
    "judging": "make [judging] a table (see competition.example.toml).",
    "judging.judge_role": "use the Discord role name of judges, 1-100 characters.",
    "judging.scale_min": "use a whole number from 0 to 100, below scale_max (e.g. 1).",
    "judging.scale_max": "use a whole number up to 100, above scale_min (e.g. 10).",
    "judging.judges_per_entry": "use a whole number of judges from 1 to 20 (e.g. 3).",
    "judging.normalize": "use true or false.",
    "judging.judge_weight": "use a number from 0 to 1 (e.g. 1.0); both weights cannot be 0.",
    "judging.community_weight": "use a number from 0 to 1 (e.g. 0.2); both weights cannot be 0.",
    "judging.placing_points": "list whole-number points for 1st, 2nd, 3rd…, e.g. [300, 200, 100].",
    "judging.share_comments": "use true or false.",
    "judging.remind_hours_before_deadline": "use a whole number of hours from 1 to 720.",
    "judging.criteria": (
        "use up to 5 [[judging.criteria]] blocks with key, name, name_zh and weight, each "
        "with its own key."
    ),
    "judging.criteria.key": "use 2-20 lower-case letters, digits or underscores.",
    "judging.criteria.name": "use a display name of 1-100 characters.",
    "judging.criteria.name_zh": "use a display name of 1-100 characters.",
    "judging.criteria.weight": "use a number above 0 and at most 100 (e.g. 1.0).",
    **RESULTS_FIXES,
}


def _toml_fix(key: str) -> str:
    """The fix text for a competition key such as ``cohorts[1].promotion_threshold``."""
    path = re.sub(r"\[[0-9]+\]", "", key)
    for pattern, fix in _TOML_FIXES.items():
        if fnmatch.fnmatchcase(path, pattern):
            return fix
    return "see competition.example.toml for this key's format."
