"""Shared set-up of the configuration tests: example files, environments, readable problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    ConfigProblem,
    load_competition,
)

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / ".env.example"
COMPETITION_EXAMPLE = ROOT / "competition.example.toml"

REQUIRED = {
    "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz012345",
    "DISCORD_GUILD_ID": "123456789012345678",
    "DASHBOARD_SECRET": "s" * 48,
}
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token-value",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    "PUBLIC_BASE_URL": "https://podium.example.com",
}
RAW_PYDANTIC_MARKERS = ("Input should", "validation error", "pydantic", "type=", "[type")


def env(**overrides: str) -> dict[str, str]:
    return {**REQUIRED, **overrides}


def problems_of(excinfo: pytest.ExceptionInfo[ConfigError]) -> dict[str, ConfigProblem]:
    return {problem.key: problem for problem in excinfo.value.problems}


def assert_readable(error: ConfigError) -> None:
    for problem in error.problems:
        line = problem.line()
        assert "\n" not in line
        assert ". Fix: " in line
        assert problem.fix.strip()
        for marker in RAW_PYDANTIC_MARKERS:
            assert marker not in line, line


def example_text() -> str:
    return COMPETITION_EXAMPLE.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "competition.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def example_with(tmp_path: Path, old: str, new: str) -> Path:
    text = example_text()
    assert old in text, old
    return write(tmp_path, text.replace(old, new, 1))


def competition_problems(path: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as excinfo:
        load_competition(path)
    assert_readable(excinfo.value)
    return excinfo.value.problems


MINIMAL_TOML = """
[competition]
name = "Mini"
season = "2026"
timezone = "Asia/Shanghai"

[[cohorts]]
key = "rookie"
name = { en = "Rookie" }
role = "Rookie"
channels = ["rookie-camp"]
promotion_threshold = 0

[[tracks]]
key = "student"
name = { en = "Student" }
"""
