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

from __future__ import annotations

import contextlib
import contextvars
import difflib
import fnmatch
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.durations import format_duration, parse_duration

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

# --------------------------------------------------------------------------------------
# Problems and the error that carries them
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One configuration problem, phrased for the person running the bot.

    ``source`` is ``"env"`` for environment/``.env`` settings, otherwise the path of the
    competition TOML file as it was given. ``key`` names the setting (``DISCORD_TOKEN``,
    ``cohorts[1].promotion_threshold``; empty for whole-file problems), ``problem`` says
    what is wrong and ``fix`` how to put it right. None of them contains a secret value.
    """

    source: str
    key: str
    problem: str
    fix: str

    def line(self) -> str:
        """Render the problem as a single line, e.g.
        ``competition.toml: teams.max_size: must be 50 or less (got 80). Fix: ...``.

        Environment problems carry no source prefix: the key name says where it lives.
        """
        parts = [] if self.source == "env" else [self.source]
        if self.key:
            parts.append(self.key)
        parts.append(f"{self.problem}. Fix: {self.fix}")
        return ": ".join(parts)


class ConfigError(Exception):
    """Configuration is missing or invalid; ``problems`` lists every problem found.

    ``str(error)`` is the problems' lines joined with newlines, ready to print.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        super().__init__("\n".join(problem.line() for problem in self.problems))


# --------------------------------------------------------------------------------------
# Settings (environment and .env)
# --------------------------------------------------------------------------------------

#: The one command the docs and messages give for making a secret (43 URL-safe characters).
RANDOM_KEY_COMMAND: Final = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'

_ENV_FIXES: Final[dict[str, str]] = {
    "DISCORD_TOKEN": (
        "create a bot in the Discord Developer Portal (https://discord.com/developers/"
        "applications → your app → Bot → Reset Token) and put it in .env"
    ),
    "DISCORD_GUILD_ID": (
        "turn on Developer Mode in Discord (User Settings → Advanced), right-click your "
        "server's icon → Copy Server ID, and put that number in .env"
    ),
    "DATABASE_URL": (
        "use sqlite+aiosqlite:///podium.db (a file in the working directory) or "
        "postgresql+asyncpg://USER:PASSWORD@HOST:5432/DBNAME, or remove the line for the default."
    ),
    "TWILIO_ACCOUNT_SID": (
        "copy the Account SID (AC followed by 32 hex characters) from the Twilio Console "
        "(https://console.twilio.com → Account Info), or remove all TWILIO_ keys to run "
        "without WhatsApp."
    ),
    "TWILIO_AUTH_TOKEN": (
        "copy the Auth Token shown under the Account SID in the Twilio Console "
        "(https://console.twilio.com → Account Info), or remove all TWILIO_ keys to run "
        "without WhatsApp."
    ),
    "TWILIO_WHATSAPP_FROM": (
        "set your WhatsApp sender as whatsapp:+<country code><number>, e.g. "
        "whatsapp:+14155238886 (Twilio Console → Messaging → Senders → WhatsApp senders), "
        "or use TWILIO_MESSAGING_SERVICE_SID instead."
    ),
    "TWILIO_MESSAGING_SERVICE_SID": (
        "copy the Messaging Service SID (MG followed by 32 hex characters) from Twilio "
        "Console → Messaging → Services, or use TWILIO_WHATSAPP_FROM instead."
    ),
    "PUBLIC_BASE_URL": (
        "set the public http(s) address that reaches this bot's web server, e.g. "
        "https://podium.example.com (or your tunnel's URL); Twilio sends WhatsApp replies "
        "and delivery statuses there."
    ),
    "WEB_HOST": (
        "use the address the web server listens on: 127.0.0.1 (this machine only) or "
        "0.0.0.0 (all interfaces, e.g. behind a reverse proxy)."
    ),
    "WEB_PORT": "use a port number from 1 to 65535, or 0 to pick a free port.",
    "DASHBOARD_SECRET": f"generate one with: {RANDOM_KEY_COMMAND} and put it in .env",
    "LOG_LEVEL": "use DEBUG, INFO, WARNING or ERROR.",
    "COMPETITION_CONFIG": (
        "set the path of the competition rules file, e.g. competition.toml "
        "(copy competition.example.toml to start)."
    ),
    "DISCORD_API_BASE_URL": (
        "use an http(s) URL such as https://discord.com/api/v10, or remove the line to talk "
        "to Discord itself."
    ),
    "DISCORD_GATEWAY_URL": (
        "use a ws:// or wss:// URL such as wss://gateway.discord.gg, or remove the line to "
        "talk to Discord itself."
    ),
    "TWILIO_API_BASE_URL": (
        "use an http(s) URL such as https://api.twilio.com, or remove the line to talk to "
        "Twilio itself."
    ),
}

_SECRET_ENV_KEYS: Final = frozenset({"DISCORD_TOKEN", "TWILIO_AUTH_TOKEN", "DASHBOARD_SECRET"})
_TWILIO_KEYS: Final = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_WHATSAPP_FROM",
    "TWILIO_MESSAGING_SERVICE_SID",
)
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
_DATABASE_PREFIXES: Final = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
_ACCOUNT_SID_RE: Final = re.compile(r"AC[0-9a-fA-F]{32}")
_SERVICE_SID_RE: Final = re.compile(r"MG[0-9a-fA-F]{32}")
_WHATSAPP_FROM_RE: Final = re.compile(r"whatsapp:\+[1-9][0-9]{6,14}")
_MIN_DASHBOARD_SECRET: Final = 32

# Keys needed only to run the bot; `load_settings(require_discord=False)` (for commands such
# as `podium migrate`) lets them be absent. Each maps to a stand-in that passes validation
# and to the "unset" value the returned Settings then holds.
_RUN_ONLY_KEYS: Final[dict[str, tuple[str, object]]] = {
    "DISCORD_TOKEN": ("unset", SecretStr("")),
    "DISCORD_GUILD_ID": ("1", 0),
    "DASHBOARD_SECRET": ("u" * _MIN_DASHBOARD_SECRET, SecretStr("")),
}

# While set, Settings reads only the values passed to it (no os.environ, no .env): used by
# load_settings, which gathers the values itself so tests can supply their own environment.
_EXPLICIT_VALUES_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "podium_settings_explicit_values_only", default=False
)


def _redact_url(url: str) -> str:
    """Hide the password in a URL such as ``postgresql+asyncpg://user:secret@host/db``."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


def _check_http_url(value: str | None) -> str | None:
    """Accept an absolute http(s) URL without query or fragment; drop trailing slashes."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL (got {value!r})")
    if parts.query or parts.fragment:
        raise ValueError(f"must not contain a query or fragment (got {value!r})")
    return value.rstrip("/")


class Settings(BaseSettings):
    """Secrets and deployment settings, from environment variables and ``.env``.

    Field names are exactly the environment variable names (upper case, case-sensitive).
    Empty values count as unset. Secrets are :class:`~pydantic.SecretStr`; ``repr()`` shows
    them as ``'**********'`` and hides the password inside ``DATABASE_URL``. Instances are
    immutable.

    Twilio is optional as a whole: with no ``TWILIO_*`` credential key set, WhatsApp is
    disabled. Once any of ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``,
    ``TWILIO_WHATSAPP_FROM`` or ``TWILIO_MESSAGING_SERVICE_SID`` is set, the account SID, the
    auth token, exactly one of ``TWILIO_WHATSAPP_FROM`` / ``TWILIO_MESSAGING_SERVICE_SID`` and
    ``PUBLIC_BASE_URL`` are all required. (``TWILIO_API_BASE_URL`` alone does not enable it.)

    Prefer :func:`load_settings`, which reports problems as :class:`ConfigError`;
    constructing ``Settings()`` directly raises a raw pydantic ``ValidationError``.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
        env_ignore_empty=True,
        frozen=True,
        hide_input_in_errors=True,
    )

    DISCORD_TOKEN: SecretStr = Field(description="Discord bot token.")
    DISCORD_GUILD_ID: int = Field(gt=0, lt=2**63, description="The Discord server's id.")
    DATABASE_URL: str = Field(
        default="sqlite+aiosqlite:///podium.db",
        description="SQLAlchemy async URL (sqlite+aiosqlite:// or postgresql+asyncpg://).",
    )
    TWILIO_ACCOUNT_SID: str | None = Field(default=None, description="Twilio Account SID.")
    TWILIO_AUTH_TOKEN: SecretStr | None = Field(default=None, description="Twilio Auth Token.")
    TWILIO_WHATSAPP_FROM: str | None = Field(
        default=None, description="WhatsApp sender, whatsapp:+E164."
    )
    TWILIO_MESSAGING_SERVICE_SID: str | None = Field(
        default=None, description="Messaging Service SID (MG...), instead of a sender."
    )
    PUBLIC_BASE_URL: str | None = Field(
        default=None, description="Public URL of the web server, without a trailing slash."
    )
    WEB_HOST: str = Field(default="127.0.0.1", description="Web server listen address.")
    WEB_PORT: int = Field(default=8080, ge=0, le=65535, description="0 picks a free port.")
    DASHBOARD_SECRET: SecretStr = Field(description="Signs dashboard login links.")
    LOG_LEVEL: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    COMPETITION_CONFIG: str = Field(
        default="competition.toml", description="Path of the competition rules file."
    )
    DISCORD_API_BASE_URL: str | None = Field(
        default=None, description="Overrides Discord's REST base URL."
    )
    DISCORD_GATEWAY_URL: str | None = Field(
        default=None, description="Overrides Discord's gateway URL (ws:// or wss://)."
    )
    TWILIO_API_BASE_URL: str | None = Field(
        default=None, description="Overrides Twilio's API base URL."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Use the standard sources, or only explicit values while load_settings validates."""
        if _EXPLICIT_VALUES_ONLY.get():
            return (init_settings,)
        return (init_settings, env_settings, dotenv_settings, file_secret_settings)

    @field_validator("DISCORD_TOKEN")
    @classmethod
    def _check_discord_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("is empty")
        if token.lower().startswith("bot "):
            raise ValueError("must be the token alone, without the 'Bot ' prefix")
        if any(ch.isspace() for ch in token):
            raise ValueError("contains spaces; it must be copied as one piece")
        return SecretStr(token)

    @field_validator("DATABASE_URL")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith(_DATABASE_PREFIXES):
            return value
        shown = _redact_url(value)
        if value.startswith(("sqlite:", "postgresql:", "postgres:", "postgresql+psycopg")):
            raise ValueError(
                f"needs an async driver: start it with sqlite+aiosqlite:// or "
                f"postgresql+asyncpg:// (got {shown!r})"
            )
        raise ValueError(
            f"must start with sqlite+aiosqlite:// or postgresql+asyncpg:// (got {shown!r})"
        )

    @field_validator("TWILIO_ACCOUNT_SID")
    @classmethod
    def _check_account_sid(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT_SID_RE.fullmatch(value.strip()):
            raise ValueError(f"must be AC followed by 32 hex characters (got {value!r})")
        return value.strip() if value is not None else None

    @field_validator("TWILIO_AUTH_TOKEN")
    @classmethod
    def _check_auth_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

    @field_validator("TWILIO_WHATSAPP_FROM")
    @classmethod
    def _check_whatsapp_from(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().replace(" ", "")
        if _WHATSAPP_FROM_RE.fullmatch(value):
            return value
        if re.fullmatch(r"\+?[0-9]{7,15}", value):
            raise ValueError(
                f"needs the whatsapp: prefix, as in whatsapp:+14155238886 (got {value!r})"
            )
        raise ValueError(f"must look like whatsapp:+14155238886 (got {value!r})")

    @field_validator("TWILIO_MESSAGING_SERVICE_SID")
    @classmethod
    def _check_service_sid(cls, value: str | None) -> str | None:
        if value is not None and not _SERVICE_SID_RE.fullmatch(value.strip()):
            raise ValueError(f"must be MG followed by 32 hex characters (got {value!r})")
        return value.strip() if value is not None else None

    @field_validator("PUBLIC_BASE_URL", "DISCORD_API_BASE_URL", "TWILIO_API_BASE_URL")
    @classmethod
    def _check_http_urls(cls, value: str | None) -> str | None:
        return _check_http_url(value.strip() if value is not None else None)

    @field_validator("DISCORD_GATEWAY_URL")
    @classmethod
    def _check_gateway_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError(f"must be a ws:// or wss:// URL (got {value!r})")
        return value

    @field_validator("WEB_HOST", "COMPETITION_CONFIG")
    @classmethod
    def _check_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        return value.strip()

    @field_validator("DASHBOARD_SECRET")
    @classmethod
    def _check_dashboard_secret(cls, value: SecretStr) -> SecretStr:
        length = len(value.get_secret_value())
        if length < _MIN_DASHBOARD_SECRET:
            raise ValueError(
                f"must be at least {_MIN_DASHBOARD_SECRET} characters long (got {length})"
            )
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError(f"must be DEBUG, INFO, WARNING or ERROR (got {value!r})")
        return level

    @model_validator(mode="after")
    def _check_twilio_complete(self) -> Settings:
        present = {key for key in (*_TWILIO_KEYS, "PUBLIC_BASE_URL") if getattr(self, key)}
        problems = _twilio_problems(present)
        if problems:
            raise PydanticCustomError(
                "twilio_incomplete",
                "{summary}",
                {"summary": "; ".join(p.line() for p in problems)},
            )
        return self

    @property
    def whatsapp_enabled(self) -> bool:
        """True when Twilio is configured (then every required Twilio key is present)."""
        return self.TWILIO_ACCOUNT_SID is not None

    @property
    def competition_config_path(self) -> Path:
        """``COMPETITION_CONFIG`` as a path (relative paths are relative to the cwd)."""
        return Path(self.COMPETITION_CONFIG)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """Repr fields as pydantic does, but without the password inside DATABASE_URL."""
        for name, value in super().__repr_args__():
            if name == "DATABASE_URL" and isinstance(value, str):
                yield name, _redact_url(value)
            else:
                yield name, value


def _twilio_problems(present: Collection[str]) -> list[ConfigProblem]:
    """Problems with a half-configured Twilio, given the names of the keys that are set."""
    given = [key for key in _TWILIO_KEYS if key in present]
    if not given:
        return []
    because = f"WhatsApp needs it because {given[0]} is set"
    problems = [
        ConfigProblem("env", key, f"missing ({because})", _ENV_FIXES[key])
        for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
        if key not in present
    ]
    has_from = "TWILIO_WHATSAPP_FROM" in present
    has_service = "TWILIO_MESSAGING_SERVICE_SID" in present
    if not has_from and not has_service:
        problems.append(
            ConfigProblem(
                "env",
                "TWILIO_WHATSAPP_FROM",
                f"missing: set TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID ({because})",
                _ENV_FIXES["TWILIO_WHATSAPP_FROM"],
            )
        )
    elif has_from and has_service:
        problems.append(
            ConfigProblem(
                "env",
                "TWILIO_MESSAGING_SERVICE_SID",
                "set together with TWILIO_WHATSAPP_FROM, but only one of the two may be set",
                "keep TWILIO_WHATSAPP_FROM to send from one WhatsApp number, or "
                "TWILIO_MESSAGING_SERVICE_SID to send through a Messaging Service, and "
                "remove the other.",
            )
        )
    if "PUBLIC_BASE_URL" not in present:
        problems.append(
            ConfigProblem(
                "env", "PUBLIC_BASE_URL", f"missing ({because})", _ENV_FIXES["PUBLIC_BASE_URL"]
            )
        )
    return problems


# --------------------------------------------------------------------------------------
# Competition rules (TOML)
# --------------------------------------------------------------------------------------

Locale = Literal["en", "zh_CN"]
LOCALES: Final[tuple[Locale, ...]] = ("en", "zh_CN")

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: Final[tuple[Weekday, ...]] = get_args(Weekday)

# The one list of point sources: organizers give points (refused past a weekly cap), the bot
# gives automatic ones (trimmed to the cap). A new source goes in one of the two.
OrganizerPointSource = Literal["award", "import"]
AutomaticPointSource = Literal["ugc", "qa_attendance"]
PointSource = Literal[OrganizerPointSource, AutomaticPointSource]
POINT_SOURCES: Final[tuple[PointSource, ...]] = get_args(PointSource)
AUTOMATIC_POINT_SOURCES: Final[tuple[AutomaticPointSource, ...]] = get_args(AutomaticPointSource)

MessageKind = Literal["reminder", "broadcast", "leaderboard", "verification"]
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


# --------------------------------------------------------------------------------------
# Turning pydantic errors into readable problems
# --------------------------------------------------------------------------------------

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
        "use [points.weekly_caps] with keys award, import, ugc or qa_attendance and a "
        "whole number of points above 0; leave a source out for no cap."
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
    "whatsapp": "make [whatsapp] a table (see competition.example.toml).",
    "whatsapp.messages_per_second": (
        "use a number above 0, e.g. 10 (a WhatsApp sender's default limit is 80 per second)."
    ),
    "whatsapp.concurrency": "use a whole number from 1 to 100.",
    "whatsapp.templates": (
        "use tables such as [whatsapp.templates.reminder.en] for the kinds reminder, "
        "broadcast, leaderboard and verification and the languages en and zh_CN."
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
        "kinds: reminder, broadcast, leaderboard, verification; languages: en, zh_CN."
    ),
}

_SIMPLE_TYPE_NAMES: Final[dict[str, str]] = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text in quotes",
    "list_type": "a list like [...]",
    "tuple_type": "a list like [...]",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "time_type": 'a time like "09:00"',
    "datetime_type": "a date and time",
}


def _key_text(loc: Sequence[str | int]) -> str:
    """``("cohorts", 1, "key")`` → ``cohorts[1].key``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else part
    return text


def _value_text(value: object) -> str:
    """Describe an input value briefly, in TOML/.env terms."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to the underlying type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = members[0] if members else None
        else:
            return annotation


def _annotation_model(annotation: Any, part: str | int) -> Any:
    """The type found one step inside ``annotation`` at location ``part``."""
    annotation = _unwrap(annotation)
    if isinstance(part, int):
        args = get_args(annotation)
        return args[0] if args else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    if get_origin(annotation) is dict:
        return get_args(annotation)[1]
    return None


def _model_fields_at(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Field names of the model found at ``loc`` under ``root`` (empty if none)."""
    annotation: Any = root
    for part in loc:
        annotation = _annotation_model(annotation, part)
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _humanize(
    error: Mapping[str, Any], *, secret: bool, allowed_keys: Sequence[str]
) -> tuple[str, str | None]:
    """``(problem, fix or None)`` for one pydantic error; None means "use the key's fix"."""
    kind: str = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    got = "" if secret else f" (got {_value_text(value)})"
    if kind == "missing":
        return "missing", None
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        close = difflib.get_close_matches(name, allowed_keys, n=1, cutoff=0.6)
        allowed = ", ".join(allowed_keys)
        if close:
            return (
                "unknown key",
                f"rename it to {close[0]!r}, or remove it (allowed here: {allowed}).",
            )
        return "unknown key", f"remove it or fix its spelling (allowed here: {allowed})."
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"])), None
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", '"')
        if error["loc"] and error["loc"][-1] == "[key]":
            return "is not an allowed key", f"use one of {expected}."
        return f"must be one of {expected}{got}", None
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(ctx.values()), "")
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        phrase = {
            "greater_than_equal": f"must be {limit} or more",
            "greater_than": f"must be more than {limit}",
            "less_than_equal": f"must be {limit} or less",
            "less_than": f"must be less than {limit}",
        }[kind]
        return f"{phrase}{got}", None
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "is empty", None
        return f"must be at least {ctx.get('min_length')} characters", None
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters", None
    if kind == "too_short":
        count = ctx.get("min_length")
        return f"needs at least {count} {'entry' if count == 1 else 'entries'}", None
    if kind == "too_long":
        return f"allows at most {ctx.get('max_length')} entries", None
    if kind in _SIMPLE_TYPE_NAMES:
        return f"must be {_SIMPLE_TYPE_NAMES[kind]}{got}", None
    message = str(error.get("msg", "is invalid"))
    return (message[:1].lower() + message[1:]).rstrip(".") + got, None


def _problems_from_validation(
    exc: ValidationError,
    *,
    source: str,
    root: type[BaseModel],
    fix_for: Callable[[str], str],
    secret_keys: Collection[str] = (),
) -> list[ConfigProblem]:
    """One readable :class:`ConfigProblem` per problem in a pydantic ``ValidationError``."""
    problems: list[ConfigProblem] = []
    errors = exc.errors(include_url=False)
    failed_inside = {
        tuple(error["loc"][:end]) for error in errors for end in range(len(error["loc"]))
    }
    for error in errors:
        loc: tuple[str | int, ...] = tuple(error["loc"])
        if error["type"] == "too_short" and loc in failed_inside:
            continue  # pydantic counts only the valid entries; the invalid ones are reported
        if error["type"] == "twilio_incomplete":
            continue  # load_settings reports these itself, one line per key
        if error["type"] == "podium_config":
            for sub_loc, problem, fix in error["ctx"]["issues"]:
                problems.append(
                    ConfigProblem(source, _key_text(loc + tuple(sub_loc)), problem, fix)
                )
            continue
        key = _key_text(loc)
        secret = bool(loc) and str(loc[0]) in secret_keys
        allowed = _model_fields_at(root, loc[:-1]) if error["type"] == "extra_forbidden" else []
        problem, fix = _humanize(error, secret=secret, allowed_keys=allowed)
        if key == "DATABASE_URL":
            problem = _redact_url(problem)
        problems.append(ConfigProblem(source, key, problem, fix or fix_for(key)))
    return problems


def _toml_fix(key: str) -> str:
    """The fix text for a competition key such as ``cohorts[1].promotion_threshold``."""
    path = re.sub(r"\[[0-9]+\]", "", key)
    for pattern, fix in _TOML_FIXES.items():
        if fnmatch.fnmatchcase(path, pattern):
            return fix
    return "see competition.example.toml for this key's format."


def _env_fix(key: str) -> str:
    return _ENV_FIXES.get(key, "see .env.example for this key's format.")


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def _gather_env(
    env_file: str | Path | None, environ: Mapping[str, str] | None
) -> tuple[dict[str, str], list[ConfigProblem]]:
    """Non-empty values for every Settings key: the environment first, then ``env_file``."""
    problems: list[ConfigProblem] = []
    file_values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        try:
            file_values = dotenv_values(env_file, encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                ConfigProblem(
                    "env",
                    str(env_file),
                    f"cannot be read ({type(exc).__name__})",
                    "make the file readable UTF-8 text in KEY=value lines (see .env.example).",
                )
            )
    source = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        for candidate in (source.get(name), file_values.get(name)):
            if candidate is not None and candidate.strip():
                values[name] = candidate.strip()
                break
    return values, problems


def _validate_settings(
    values: Mapping[str, str], *, require_discord: bool = True
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Validate gathered values; returns the settings or the problems, sorted by key order."""
    problems = _twilio_problems(values.keys())
    absent = [] if require_discord else [key for key in _RUN_ONLY_KEYS if key not in values]
    stand_ins = {key: _RUN_ONLY_KEYS[key][0] for key in absent}
    token = _EXPLICIT_VALUES_ONLY.set(True)
    try:
        settings = Settings.model_validate({**values, **stand_ins})
        if absent:
            settings = settings.model_copy(update={key: _RUN_ONLY_KEYS[key][1] for key in absent})
    except ValidationError as exc:
        problems = [
            *_problems_from_validation(
                exc, source="env", root=Settings, fix_for=_env_fix, secret_keys=_SECRET_ENV_KEYS
            ),
            *problems,
        ]
        settings = None
    finally:
        _EXPLICIT_VALUES_ONLY.reset(token)
    order = {name: index for index, name in enumerate(Settings.model_fields)}
    problems.sort(key=lambda problem: order.get(problem.key, len(order)))
    return (None if problems else settings), problems


def load_settings(
    env_file: str | Path | None = ".env",
    environ: Mapping[str, str] | None = None,
    *,
    require_discord: bool = True,
) -> Settings:
    """Load and validate :class:`Settings`.

    Values come from ``environ`` (``os.environ`` when None) and then from ``env_file``
    (skipped when None or when the file does not exist); the environment wins, empty values
    count as unset.

    With ``require_discord=False`` (for commands that only touch the database, such as
    ``podium migrate``), ``DISCORD_TOKEN``, ``DISCORD_GUILD_ID`` and ``DASHBOARD_SECRET`` may
    be absent; absent ones come back as ``SecretStr("")``, ``0`` and ``SecretStr("")``.
    Values that are present are still validated.

    Raises:
        ConfigError: listing every problem at once: one per missing or invalid key, each
            with a fix text saying where to get the value.
    """
    values, problems = _gather_env(env_file, environ)
    settings, validation_problems = _validate_settings(values, require_discord=require_discord)
    problems += validation_problems
    if problems or settings is None:
        raise ConfigError(problems)
    return settings


def _load_competition(path: str | Path) -> tuple[CompetitionConfig | None, list[ConfigProblem]]:
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None, [
            ConfigProblem(
                source,
                "",
                f"file not found (looked for {Path(path).absolute()})",
                "copy competition.example.toml to this path and edit it, or point "
                "COMPETITION_CONFIG at your rules file.",
            )
        ]
    except UnicodeDecodeError:
        return None, [ConfigProblem(source, "", "is not UTF-8 text", "save the file as UTF-8.")]
    except OSError as exc:
        return None, [
            ConfigProblem(
                source,
                "",
                f"cannot be read ({exc.strerror or type(exc).__name__})",
                "make sure COMPETITION_CONFIG names a readable file.",
            )
        ]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [
            ConfigProblem(
                source,
                "",
                f"TOML syntax error: {exc}",
                "correct the TOML on that line: text needs quotes, tables look like "
                "[section], and each key = value sits on its own line.",
            )
        ]
    try:
        return CompetitionConfig.model_validate(data), []
    except ValidationError as exc:
        return None, _problems_from_validation(
            exc, source=source, root=CompetitionConfig, fix_for=_toml_fix
        )


def load_competition(path: str | Path) -> CompetitionConfig:
    """Load and validate the competition rules TOML file at ``path``.

    Raises:
        ConfigError: when the file is missing or unreadable, is not valid TOML (the problem
            names the line and column), or breaks any rule; every validation problem is
            listed, each naming its key path (e.g. ``teams.maxsize: unknown key``).
    """
    config, problems = _load_competition(path)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def load_all(
    env_file: str | Path | None = ".env", environ: Mapping[str, str] | None = None
) -> tuple[Settings, CompetitionConfig]:
    """Load settings and the competition file they name, reporting all problems together.

    The competition file is ``COMPETITION_CONFIG`` (default ``competition.toml``), relative
    to the current directory; it is checked even when other settings are invalid.

    Raises:
        ConfigError: with the environment problems followed by the competition problems.
    """
    values, problems = _gather_env(env_file, environ)
    settings, settings_problems = _validate_settings(values)
    problems += settings_problems
    if settings is not None:
        path = settings.COMPETITION_CONFIG
    else:
        path = values.get("COMPETITION_CONFIG", Settings.model_fields["COMPETITION_CONFIG"].default)
    config, competition_problems = _load_competition(path)
    problems += competition_problems
    if problems or settings is None or config is None:
        raise ConfigError(problems)
    return settings, config
