"""No log level logs personal data or secrets (bot/logs.py)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.config import load_settings
from bot.logs import QUIET_LOGGERS, redact, settings_secrets, setup_logging


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """setup_logging into a buffer; the logging configuration is restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_drivers_that_log_parameters_stay_silent_under_debug_while_podium_logs(
    captured: io.StringIO,
) -> None:
    setup_logging("DEBUG", stream=captured)
    logging.getLogger("aiosqlite").debug("executing %s", ("csrf-abcdef", 42))
    logging.getLogger("sqlalchemy.engine.Engine").info("[generated] ('csrf-abcdef',)")
    logging.getLogger("discord.gateway").debug("WebSocket Event: %s", {"value": "csrf-abcdef"})
    logging.getLogger("discord.http").debug("POST /x with %s has returned 200", "csrf-abcdef")
    logging.getLogger("discord.webhook.async_").debug("Webhook %s", "csrf-abcdef")
    logging.getLogger("twilio.http_client").info("Query Params: %s", "csrf-abcdef")
    logging.getLogger("aiohttp.access").info("GET /admin/login?x=csrf-abcdef")
    logging.getLogger("asyncpg").debug("query %s", "csrf-abcdef")
    logging.getLogger("bot.something").debug("flushed rows=3")
    out = captured.getvalue()
    assert "csrf-abcdef" not in out
    assert "DEBUG bot.something: flushed rows=3" in out


def test_a_quiet_logger_still_reports_warnings(captured: io.StringIO) -> None:
    setup_logging("DEBUG", stream=captured)
    logging.getLogger("discord.http").warning("We are being rate limited.")
    assert "WARNING discord.http: We are being rate limited." in captured.getvalue()


def test_every_line_is_redacted_tracebacks_included(captured: io.StringIO) -> None:
    setup_logging("INFO", secrets=["the-discord-token-123"], stream=captured)
    log = logging.getLogger("bot.test")
    log.warning("calling with Bot the-discord-token-123 for whatsapp:+8613812345678")
    try:
        raise RuntimeError("POST /api/v10/interactions/123/aW50ZXJhY3Rpb24.tok/callback failed")
    except RuntimeError:
        log.exception("unexpected")
    out = captured.getvalue()
    assert "the-discord-token-123" not in out
    assert "8613812345678" not in out
    assert "aW50ZXJhY3Rpb24" not in out
    assert "Traceback" in out  # the traceback itself is kept


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("to=whatsapp:+12025550147", "2025550147"),
        ("phone +1 202 555 0147 typed", "555 0147"),
        ("phone +86 (138) 1234-5678", "1234-5678"),
        ("GET /admin/login?token=abc.DEF_123&lang=en", "abc.DEF_123"),
        ("/api/v10/webhooks/99/secret-token_x/messages/@original", "secret-token_x"),
    ],
)
def test_redact_removes_phone_numbers_and_url_tokens(text: str, gone: str) -> None:
    assert gone not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "user_id=200000000000000001 points=+15 week=2026-W48",
        "2026-12-02T15:36:15+08:00 rows=1234567",
        "database migrated from=abc123 to=def456",
    ],
)
def test_redact_leaves_ids_times_and_counts_alone(text: str) -> None:
    assert redact(text) == text


def test_settings_secrets_lists_every_secret_and_the_database_password() -> None:
    settings = load_settings(
        None,
        environ={
            "DISCORD_TOKEN": "discord-secret." + "x" * 40,
            "DISCORD_GUILD_ID": "900000000000000001",
            "DASHBOARD_SECRET": "d" * 40,
            "DATABASE_URL": "postgresql+asyncpg://podium:pg-pass-word@db/podium",
        },
    )
    found = settings_secrets(settings)
    assert "discord-secret." + "x" * 40 in found
    assert "d" * 40 in found
    assert "pg-pass-word" in found
