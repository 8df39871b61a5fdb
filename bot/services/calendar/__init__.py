"""The season calendar: phases from the config, their notices and the public feed's events."""

from bot.services.calendar.models import (
    CLOSES,
    CURRENT,
    DEADLINE,
    NOTICE_KINDS,
    OPENS,
    PAST,
    UPCOMING,
    FeedEntry,
    Overview,
    PhaseNotice,
    PhaseStatus,
    PlannedNotice,
)
from bot.services.calendar.service import (
    NOTICE_JOB,
    NOTICE_PUBLICATION,
    CalendarService,
    NoticeWording,
)

__all__ = [
    "CLOSES",
    "CURRENT",
    "DEADLINE",
    "NOTICE_JOB",
    "NOTICE_KINDS",
    "NOTICE_PUBLICATION",
    "OPENS",
    "PAST",
    "UPCOMING",
    "CalendarService",
    "FeedEntry",
    "NoticeWording",
    "Overview",
    "PhaseNotice",
    "PhaseStatus",
    "PlannedNotice",
]
