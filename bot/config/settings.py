"""Deployment settings: the Settings model read from the environment and ``.env``."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config.fields import _issue
from bot.config.problems import ConfigProblem, _redact_url

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
    "WAKE_POLL_SECONDS": (
        "use a number of seconds between 1 and 3600 (default 30), or remove the line."
    ),
    "LEASE_GRACE_SECONDS": (
        "use a number of seconds between 0 and 3600 (default 20), or remove the line."
    ),
    "SMTP_HOST": (
        "set the mail server that sends eligibility codes, e.g. smtp.example.com, or remove "
        "all SMTP_ keys to run without e-mail codes."
    ),
    "SMTP_PORT": "use the mail server's port: 587 (starttls), 465 (tls) or 25 (none).",
    "SMTP_USERNAME": "set the mail account's user name, or remove it for a server without login.",
    "SMTP_PASSWORD": "set the mail account's password (an app password for most providers).",
    "SMTP_FROM": (
        "set the sender address of the code e-mails, e.g. podium@example.com (required when "
        "SMTP_HOST is set)."
    ),
    "SMTP_SECURITY": "use starttls (port 587), tls (port 465) or none (a local relay only).",
}

_SECRET_ENV_KEYS: Final = frozenset(
    {"DISCORD_TOKEN", "TWILIO_AUTH_TOKEN", "DASHBOARD_SECRET", "SMTP_PASSWORD"}
)
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
    WAKE_POLL_SECONDS: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        description="PostgreSQL: how often workers look for work no wake-up announced.",
    )
    LEASE_GRACE_SECONDS: float = Field(
        default=20.0,
        ge=0,
        le=3600,
        description=(
            "PostgreSQL: how long a worker's lease must have been free before another "
            "worker takes over its jobs and messages (longer than a Twilio send may take)."
        ),
    )
    SMTP_HOST: str | None = Field(
        default=None, description="Mail server for eligibility codes (unset: no e-mail codes)."
    )
    SMTP_PORT: int = Field(default=587, ge=1, le=65535, description="Mail server port.")
    SMTP_USERNAME: str | None = Field(default=None, description="Mail login (optional).")
    SMTP_PASSWORD: SecretStr | None = Field(default=None, description="Mail password.")
    SMTP_FROM: str | None = Field(default=None, description="Sender address of code e-mails.")
    SMTP_SECURITY: str = Field(default="starttls", description="starttls, tls or none.")

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

    @field_validator("SMTP_SECURITY")
    @classmethod
    def _check_smtp_security(cls, value: str) -> str:
        mode = value.strip().lower()
        if mode not in ("starttls", "tls", "none"):
            raise ValueError(f"must be starttls, tls or none (got {value!r})")
        return mode

    @field_validator("SMTP_FROM")
    @classmethod
    def _check_smtp_from(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", value):
            raise ValueError(
                f"must be an e-mail address such as podium@example.com (got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _check_smtp_complete(self) -> Settings:
        if self.SMTP_HOST and not self.SMTP_FROM:
            raise _issue(
                (
                    ("SMTP_FROM",),
                    "missing (e-mail codes need a sender because SMTP_HOST is set)",
                    _ENV_FIXES["SMTP_FROM"],
                )
            )
        return self

    @property
    def smtp_enabled(self) -> bool:
        """True when a mail server for eligibility codes is configured."""
        return bool(self.SMTP_HOST)

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


def _env_fix(key: str) -> str:
    return _ENV_FIXES.get(key, "see .env.example for this key's format.")
