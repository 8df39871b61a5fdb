"""Podium's configuration: deployment settings from the environment and competition rules.

Two sources, two models:

* :class:`Settings` holds secrets and deployment settings. They come from environment
  variables and an optional ``.env`` file (environment variables win). ``.env.example``
  lists every key; a test keeps the two in step.
* :class:`CompetitionConfig` holds the competition's rules, read from a TOML file
  (``competition.toml`` by default, see ``competition.example.toml``). Every table rejects
  unknown keys, so a misspelt key is an error instead of a silently ignored setting.

Nothing is loaded at import time. Start-up calls :func:`load_all` (or :func:`load_settings`
and :func:`load_competition`), which either returns fully validated models or raises one
:class:`ConfigError` listing *every* problem found, each as a :class:`ConfigProblem` that
renders as one readable line: which key, what is wrong, how to fix it. Raw pydantic
messages never reach the operator, and secret values never appear in problems or reprs.
"""

from bot.config.competition import CompetitionConfig
from bot.config.fields import (
    AUTOMATIC_POINT_SOURCES,
    LOCALES,
    MESSAGE_KINDS,
    POINT_SOURCES,
    WEEKDAYS,
    Locale,
    MessageKind,
    PointSource,
    Weekday,
)
from bot.config.loading import load_all, load_competition, load_settings
from bot.config.problems import ConfigError, ConfigProblem
from bot.config.sections import (
    ChannelsSection,
    CohortConfig,
    CompetitionSection,
    EngagementSection,
    JudgingCriterion,
    JudgingSection,
    LocalizedTemplates,
    LocalizedText,
    PointsSection,
    RemindersSection,
    RolesSection,
    TeamsSection,
    TemplateRef,
    TrackConfig,
    VotesSection,
    WhatsAppSection,
    WhatsAppTemplates,
)
from bot.config.settings import Settings

__all__ = [
    "AUTOMATIC_POINT_SOURCES",
    "LOCALES",
    "MESSAGE_KINDS",
    "POINT_SOURCES",
    "WEEKDAYS",
    "ChannelsSection",
    "CohortConfig",
    "CompetitionConfig",
    "CompetitionSection",
    "ConfigError",
    "ConfigProblem",
    "EngagementSection",
    "JudgingCriterion",
    "JudgingSection",
    "Locale",
    "LocalizedTemplates",
    "LocalizedText",
    "MessageKind",
    "PointSource",
    "PointsSection",
    "RemindersSection",
    "RolesSection",
    "Settings",
    "TeamsSection",
    "TemplateRef",
    "TrackConfig",
    "VotesSection",
    "Weekday",
    "WhatsAppSection",
    "WhatsAppTemplates",
    "load_all",
    "load_competition",
    "load_settings",
]
