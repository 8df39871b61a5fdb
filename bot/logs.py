"""Logging set-up: one line per event, key=value context, never secrets or personal data.

The promise holds at every level, ``DEBUG`` included, in two layers:

1. **Drivers that log data are pinned above the level where they do** (``QUIET_LOGGERS``),
   whatever ``LOG_LEVEL`` says: aiosqlite prints every call with its bound parameters at
   DEBUG (phone numbers, CSRF tokens, session rows), SQLAlchemy's engine every statement
   with its parameters at INFO, discord.py every gateway event (interaction options as
   typed, interaction tokens) and every request URL and body at DEBUG, twilio-python
   request URLs with query parameters at INFO, aiohttp's access log request lines with
   their query strings (login-link tokens). Pinning is chosen over rewriting their records
   because a parameter list cannot be told apart from harmless text: a CSRF token or a
   session row is just a string.
2. **Every formatted line is redacted** (``RedactingFormatter``) as a safety net for what
   still gets through, tracebacks included: the configured secrets (Discord token, Twilio
   auth token, dashboard secret, database password), E.164 phone numbers, the token part
   of Discord interaction and webhook URLs, and ``token=`` query parameters.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import urlsplit

from pydantic import SecretStr

# logger name -> the lowest level it may log at, and why.
QUIET_LOGGERS: dict[str, int] = {
    "aiosqlite": logging.INFO,  # DEBUG: every call with its bound parameters
    "sqlalchemy": logging.WARNING,  # INFO: every statement with its parameters
    "asyncpg": logging.INFO,  # DEBUG: connection and query details
    "discord.gateway": logging.INFO,  # DEBUG: every event payload (options, tokens)
    "discord.http": logging.INFO,  # DEBUG: request URLs (interaction tokens) and bodies
    "discord.webhook": logging.INFO,  # DEBUG: followup URLs carry the interaction token
    "aiohttp.access": logging.WARNING,  # INFO: request lines with query strings
    "twilio": logging.WARNING,  # INFO: request URLs with query parameters, headers
    # Chatty below WARNING and say nothing operators need.
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
}

REDACTED = "<redacted>"
_MIN_SECRET_LENGTH = 6

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # E.164 numbers, also as typed with spaces, dots, dashes or brackets.
    (re.compile(r"(?<![\w+])\+\d(?:[ ().-]{0,2}\d){6,14}(?!\d)"), "<phone>"),
    # Discord interaction and webhook URLs: the segment after the id is a secret token.
    (re.compile(r"(/(?:interactions|webhooks)/\d+/)[\w.~-]+"), r"\1" + REDACTED),
    # Login links and anything else passing a token in a query string.
    (re.compile(r"([?&][\w]*token=)[^&\s'\"<>]+", re.IGNORECASE), r"\1" + REDACTED),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secret values, phone numbers or URL tokens."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line (message, arguments, traceback) goes through
    :func:`redact`."""

    def __init__(self, *args: Any, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Longest first, so a secret containing another is removed whole.
        self.secrets = sorted(
            {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def format(self, record: logging.LogRecord) -> str:
        """The record formatted as usual, then redacted."""
        return redact(super().format(record), self.secrets)


def settings_secrets(settings: Any) -> list[str]:
    """Every secret value of ``settings``: its ``SecretStr`` fields and the database
    password, for :func:`setup_logging` to redact."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
    url = getattr(settings, "DATABASE_URL", None)
    if isinstance(url, str):
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None
        if password:
            found.append(password)
    return found


def setup_logging(
    level: str = "INFO", *, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> None:
    """Send logs to ``stream`` (stderr) at ``level``; discord.py's own loggers follow the
    same format. ``QUIET_LOGGERS`` never go below their floor; ``secrets`` are redacted."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(
        RedactingFormatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s",
            "%Y-%m-%dT%H:%M:%S",
            secrets=secrets,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
