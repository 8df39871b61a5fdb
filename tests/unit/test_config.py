"""Configuration: settings from the environment/.env and the competition TOML file."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bot.config import (
    LOCALES,
    MESSAGE_KINDS,
    CompetitionConfig,
    ConfigError,
    ConfigProblem,
    Settings,
    load_all,
    load_competition,
    load_settings,
)
from bot.config.competition import _toml_fix
from bot.config.problems import _unwrap
from bot.config.settings import _ENV_FIXES

ROOT = Path(__file__).resolve().parents[2]
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


# --------------------------------------------------------------------------------------
# Example files
# --------------------------------------------------------------------------------------


def test_competition_example_loads_cleanly() -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    assert config.competition.timezone == "Asia/Shanghai"
    assert config.cohort_keys == ("rookie", "advanced", "elite")
    assert [c.promotion_threshold for c in config.cohorts] == [0, 500, 1500]
    assert config.cohort("advanced").name.get("zh_CN") == "进阶营"
    assert config.track_keys == ("student", "professional")
    assert config.track("professional").name.get("zh-CN") == "在职组"
    for kind in MESSAGE_KINDS:
        for language in LOCALES:
            assert config.whatsapp.template(kind, language) is not None


def test_env_example_with_required_values_filled_loads_cleanly() -> None:
    settings = load_settings(ENV_EXAMPLE, environ=REQUIRED)
    assert settings.DATABASE_URL == "sqlite+aiosqlite:///podium.db"
    assert settings.WEB_HOST == "127.0.0.1"
    assert settings.WEB_PORT == 8080
    assert settings.LOG_LEVEL == "INFO"
    assert settings.COMPETITION_CONFIG == "competition.toml"
    assert settings.whatsapp_enabled is False


def test_env_example_alone_reports_exactly_the_required_keys_as_missing() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(ENV_EXAMPLE, environ={})
    assert [(p.key, p.problem) for p in excinfo.value.problems] == [
        ("DISCORD_TOKEN", "missing"),
        ("DISCORD_GUILD_ID", "missing"),
        ("DASHBOARD_SECRET", "missing"),
    ]


def _env_example_keys() -> list[str]:
    keys = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            keys.append(match.group(1))
    return keys


def test_env_example_and_settings_list_exactly_the_same_keys() -> None:
    keys = _env_example_keys()
    assert len(keys) == len(set(keys)), "a key is listed twice in .env.example"
    assert set(keys) == set(Settings.model_fields)


def test_env_example_has_a_comment_above_every_key() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^\s*#?\s*[A-Z][A-Z0-9_]*=", line):
            above = lines[index - 1].strip()
            assert above.startswith("#"), line
            assert not re.match(r"^#\s*[A-Z][A-Z0-9_]*=", above), line


def test_env_example_keeps_override_keys_commented_out() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for key in ("DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL", "TWILIO_API_BASE_URL"):
        assert re.search(rf"^# {key}=$", text, re.MULTILINE), key


# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------


def test_missing_required_env_keys_give_one_problem_each_with_a_fix() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ={})
    problems = excinfo.value.problems
    assert [p.key for p in problems] == ["DISCORD_TOKEN", "DISCORD_GUILD_ID", "DASHBOARD_SECRET"]
    assert all(p.source == "env" and p.problem == "missing" for p in problems)
    assert_readable(excinfo.value)
    lines = str(excinfo.value).splitlines()
    assert lines[0] == (
        "DISCORD_TOKEN: missing. Fix: create a bot in the Discord Developer Portal "
        "(https://discord.com/developers/applications → your app → Bot → Reset Token) "
        "and put it in .env"
    )
    assert "Copy Server ID" in lines[1]
    assert "secrets.token_urlsafe" in lines[2]


def test_database_only_commands_do_not_need_discord_keys() -> None:
    settings = load_settings(None, environ={}, require_discord=False)
    assert settings.DATABASE_URL == "sqlite+aiosqlite:///podium.db"
    assert settings.DISCORD_TOKEN.get_secret_value() == ""
    assert settings.DISCORD_GUILD_ID == 0
    assert settings.DASHBOARD_SECRET.get_secret_value() == ""


def test_database_only_commands_still_reject_invalid_values() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(
            None,
            environ={"DATABASE_URL": "mysql://x", "DISCORD_GUILD_ID": "abc"},
            require_discord=False,
        )
    assert set(problems_of(excinfo)) == {"DATABASE_URL", "DISCORD_GUILD_ID"}
    settings = load_settings(None, environ=env(WEB_PORT="81"), require_discord=False)
    assert settings.DISCORD_TOKEN.get_secret_value() == REQUIRED["DISCORD_TOKEN"]
    assert settings.WEB_PORT == 81


def test_every_settings_key_has_a_tailored_fix_text() -> None:
    assert set(_ENV_FIXES) == set(Settings.model_fields)


def test_load_settings_uses_only_the_given_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "from-the-real-environment")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ={})
    assert "DISCORD_TOKEN" in problems_of(excinfo)


def test_load_settings_reads_os_environ_when_no_environ_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in REQUIRED.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WEB_PORT", "9999")
    assert load_settings(None).WEB_PORT == 9999


def test_environment_values_override_the_env_file(tmp_path: Path) -> None:
    env_file = write(tmp_path, "WEB_PORT=7000\nLOG_LEVEL=DEBUG\n", ".env")
    settings = load_settings(env_file, environ=env(WEB_PORT="7001"))
    assert settings.WEB_PORT == 7001
    assert settings.LOG_LEVEL == "DEBUG"


def test_env_file_supplies_values_missing_from_the_environment(tmp_path: Path) -> None:
    lines = "".join(f"{key}={value}\n" for key, value in REQUIRED.items())
    settings = load_settings(write(tmp_path, lines, ".env"), environ={})
    assert settings.DISCORD_GUILD_ID == 123456789012345678


def test_missing_env_file_is_not_an_error() -> None:
    settings = load_settings("/nonexistent/dir/.env", environ=REQUIRED)
    assert settings.DISCORD_GUILD_ID == 123456789012345678


def test_empty_values_count_as_unset() -> None:
    settings = load_settings(None, environ=env(TWILIO_ACCOUNT_SID="", WEB_PORT="  "))
    assert settings.TWILIO_ACCOUNT_SID is None
    assert settings.WEB_PORT == 8080


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///podium.db", "postgresql+asyncpg://u:p@db:5432/podium"]
)
def test_database_url_accepts_the_async_drivers(url: str) -> None:
    settings = load_settings(None, environ=env(DATABASE_URL=url))
    assert settings.model_dump()["DATABASE_URL"] == url


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("mysql://u:p@db/podium", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"),
        ("sqlite:///podium.db", "needs an async driver"),
        ("postgresql://u:p@db/podium", "needs an async driver"),
    ],
)
def test_invalid_database_url_is_reported(url: str, hint: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ=env(DATABASE_URL=url))
    (problem,) = excinfo.value.problems
    assert problem.key == "DATABASE_URL"
    assert hint in problem.problem
    assert "sqlite+aiosqlite:///podium.db" in problem.fix
    assert_readable(excinfo.value)


def test_database_password_is_hidden_in_problems_and_repr() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ=env(DATABASE_URL="postgresql://admin:hunter2@db/podium"))
    assert "hunter2" not in str(excinfo.value)
    settings = load_settings(
        None, environ=env(DATABASE_URL="postgresql+asyncpg://admin:hunter2@db/podium")
    )
    assert "hunter2" not in repr(settings)
    assert settings.DATABASE_URL.endswith("admin:hunter2@db/podium")


def test_half_configured_twilio_reports_every_missing_twilio_key() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ=env(TWILIO_ACCOUNT_SID=TWILIO["TWILIO_ACCOUNT_SID"]))
    problems = problems_of(excinfo)
    assert set(problems) == {"TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "PUBLIC_BASE_URL"}
    assert "TWILIO_ACCOUNT_SID is set" in problems["TWILIO_AUTH_TOKEN"].problem
    assert "TWILIO_MESSAGING_SERVICE_SID" in problems["TWILIO_WHATSAPP_FROM"].problem
    assert "remove all TWILIO_ keys" in problems["TWILIO_AUTH_TOKEN"].fix
    assert_readable(excinfo.value)


def test_twilio_sender_and_messaging_service_together_are_rejected() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ=env(**TWILIO, TWILIO_MESSAGING_SERVICE_SID="MG" + "a" * 32))
    (problem,) = excinfo.value.problems
    assert problem.key == "TWILIO_MESSAGING_SERVICE_SID"
    assert "only one" in problem.problem


def test_twilio_problems_are_reported_together_with_other_problems() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ={"TWILIO_AUTH_TOKEN": "x", "WEB_PORT": "http"})
    assert set(problems_of(excinfo)) == {
        "DISCORD_TOKEN",
        "DISCORD_GUILD_ID",
        "DASHBOARD_SECRET",
        "WEB_PORT",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_WHATSAPP_FROM",
        "PUBLIC_BASE_URL",
    }


def test_fully_configured_twilio_enables_whatsapp() -> None:
    settings = load_settings(None, environ=env(**TWILIO))
    assert settings.whatsapp_enabled is True
    service = {k: v for k, v in TWILIO.items() if k != "TWILIO_WHATSAPP_FROM"}
    settings = load_settings(
        None, environ=env(**service, TWILIO_MESSAGING_SERVICE_SID="MG" + "b" * 32)
    )
    assert settings.whatsapp_enabled is True


def test_without_twilio_keys_whatsapp_is_disabled() -> None:
    settings = load_settings(None, environ=env(PUBLIC_BASE_URL="https://x.example"))
    assert settings.whatsapp_enabled is False


def test_settings_built_directly_also_refuse_half_configured_twilio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(Path("/"))
    for key in Settings.model_fields:
        monkeypatch.delenv(key, raising=False)
    for key, value in env(TWILIO_AUTH_TOKEN="x").items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match="TWILIO_ACCOUNT_SID"):
        Settings()


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("DISCORD_GUILD_ID", "my-server", "must be a whole number"),
        ("DISCORD_GUILD_ID", "-5", "must be more than 0"),
        ("DISCORD_TOKEN", "Bot abc.def", "without the 'Bot ' prefix"),
        ("TWILIO_ACCOUNT_SID", "AC123", "AC followed by 32 hex characters"),
        ("TWILIO_WHATSAPP_FROM", "+14155238886", "needs the whatsapp: prefix"),
        ("TWILIO_MESSAGING_SERVICE_SID", "XX123", "MG followed by 32 hex characters"),
        ("PUBLIC_BASE_URL", "podium.example.com", "http:// or https:// URL"),
        ("WEB_PORT", "70000", "must be 65535 or less"),
        ("WEB_PORT", "-1", "must be 0 or more"),
        ("DASHBOARD_SECRET", "too-short", "at least 32 characters"),
        ("LOG_LEVEL", "VERBOSE", "DEBUG, INFO, WARNING or ERROR"),
        ("DISCORD_API_BASE_URL", "discord.local", "http:// or https:// URL"),
        ("DISCORD_GATEWAY_URL", "https://gateway.local", "ws:// or wss:// URL"),
        ("TWILIO_API_BASE_URL", "ftp://twilio.local", "http:// or https:// URL"),
    ],
)
def test_invalid_setting_is_reported_with_its_key_problem_and_fix(
    key: str, value: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ=env(**{key: value}))
    problems = problems_of(excinfo)
    assert key in problems
    assert fragment in problems[key].problem
    assert problems[key].fix == _ENV_FIXES[key]
    assert_readable(excinfo.value)


def test_urls_lose_their_trailing_slash_and_log_level_is_case_insensitive() -> None:
    settings = load_settings(
        None,
        environ=env(
            PUBLIC_BASE_URL="https://podium.example.com/",
            DISCORD_API_BASE_URL="http://127.0.0.1:5000/api/v10/",
            LOG_LEVEL="debug",
            DISCORD_GATEWAY_URL="ws://127.0.0.1:5001",
            WEB_PORT="0",
        ),
    )
    assert settings.PUBLIC_BASE_URL == "https://podium.example.com"
    assert settings.DISCORD_API_BASE_URL == "http://127.0.0.1:5000/api/v10"
    assert settings.LOG_LEVEL == "DEBUG"
    assert settings.DISCORD_GATEWAY_URL == "ws://127.0.0.1:5001"
    assert settings.WEB_PORT == 0


def test_secrets_never_appear_in_repr_str_or_problems() -> None:
    secrets = {
        "DISCORD_TOKEN": "discord-secret-token-value",
        "DASHBOARD_SECRET": "dashboard-secret-value-" + "x" * 20,
        "TWILIO_AUTH_TOKEN": "twilio-secret-token-value",
    }
    settings = load_settings(None, environ=env(**{**TWILIO, **secrets}))
    for secret in secrets.values():
        assert secret not in repr(settings)
        assert secret not in str(settings)
    assert settings.DISCORD_TOKEN.get_secret_value() == secrets["DISCORD_TOKEN"]
    with pytest.raises(ConfigError) as excinfo:
        load_settings(
            None,
            environ=env(
                DISCORD_TOKEN="leaked token",
                DASHBOARD_SECRET="short-leaked-secret",
                TWILIO_AUTH_TOKEN="leaked-twilio-token",
            ),
        )
    assert {"DISCORD_TOKEN", "DASHBOARD_SECRET"} <= set(problems_of(excinfo))
    assert "leaked" not in str(excinfo.value)


def test_settings_are_immutable() -> None:
    settings = load_settings(None, environ=REQUIRED)
    with pytest.raises(ValidationError):
        settings.WEB_PORT = 1  # type: ignore[misc]


def test_problem_lines_name_the_source_for_toml_only() -> None:
    assert ConfigProblem("env", "WEB_PORT", "bad", "fix it.").line() == (
        "WEB_PORT: bad. Fix: fix it."
    )
    assert ConfigProblem("competition.toml", "teams.max_size", "bad", "fix it.").line() == (
        "competition.toml: teams.max_size: bad. Fix: fix it."
    )
    assert ConfigProblem("competition.toml", "", "file not found", "create it.").line() == (
        "competition.toml: file not found. Fix: create it."
    )


# --------------------------------------------------------------------------------------
# Competition file
# --------------------------------------------------------------------------------------


def test_minimal_competition_file_gets_defaults_for_every_optional_table(tmp_path: Path) -> None:
    config = load_competition(write(tmp_path, MINIMAL_TOML))
    assert config.competition.week_start == "monday"
    assert config.week_start_index == 0
    assert config.weekly_post_time == time(9, 0)
    assert config.competition.default_locale == "en"
    assert config.roles.organizer == "Organizer"
    assert config.channels.gallery == "ugc-gallery"
    assert (config.teams.min_size, config.teams.max_size) == (1, 5)
    assert config.teams.registration_deadline is None
    assert config.points.contest_placing == (100, 60, 30)
    assert config.points.weekly_cap("ugc") is None
    assert config.votes.brushing_window == timedelta(minutes=10)
    assert config.reminders.offsets == (timedelta(hours=24), timedelta(hours=1))
    assert config.reminders.grace_period == timedelta(minutes=15)
    assert config.engagement.drop_alert_percent == 15
    assert config.whatsapp.template("reminder", "en") is None


def test_helpers_expose_typed_values(tmp_path: Path) -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    assert config.tz.key == "Asia/Shanghai"
    assert config.week_start_index == 0
    assert isinstance(config.weekly_post_time, time)
    assert config.points.weekly_cap("ugc") == 200
    assert config.points.weekly_cap("award") is None
    assert config.next_cohort("rookie") is config.cohort("advanced")
    assert config.next_cohort("elite") is None
    assert config.cohort_for_points(499).key == "rookie"
    assert config.cohort_for_points(1500).key == "elite"
    assert config.cohort("rookie").announcement_channel == "rookie-camp"
    with pytest.raises(KeyError):
        config.cohort("nonexistent")
    with pytest.raises(KeyError):
        config.track("nonexistent")
    template = config.whatsapp.template("reminder", "zh-CN")
    assert template is not None
    assert template.content_variables({"title": "Q&A", "start": "10:00"}) == {
        "1": "Q&A",
        "2": "10:00",
    }


def test_week_start_and_post_time_are_parsed(tmp_path: Path) -> None:
    text = MINIMAL_TOML.replace(
        'timezone = "Asia/Shanghai"',
        'timezone = "Asia/Shanghai"\nweek_start = "Sunday"\nweekly_post_time = "18:30"',
    )
    config = load_competition(write(tmp_path, text))
    assert config.week_start_index == 6
    assert config.weekly_post_time == time(18, 30)


def test_registration_deadline_is_read_in_the_competition_timezone_and_stored_as_utc() -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    assert config.teams.registration_deadline == datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    assert config.teams.registration_deadline.tzinfo is UTC


@pytest.mark.parametrize(
    "written",
    ['"2026-12-31T23:59:00+08:00"', '"2026-12-31T15:59:00Z"', "2026-12-31T23:59:00+08:00"],
)
def test_registration_deadline_with_an_offset_is_converted_to_utc(
    tmp_path: Path, written: str
) -> None:
    path = example_with(
        tmp_path, 'registration_deadline = "2026-12-31 23:59"', f"registration_deadline = {written}"
    )
    assert load_competition(path).teams.registration_deadline == datetime(
        2026, 12, 31, 15, 59, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ('"31/12/2026 23:59"', "not a valid date and time"),
        ('"2026-02-30 10:00"', "not a valid date and time"),
        ("2026-12-31", "needs a time of day"),
    ],
)
def test_bad_registration_deadline_is_reported(tmp_path: Path, written: str, fragment: str) -> None:
    path = example_with(
        tmp_path, 'registration_deadline = "2026-12-31 23:59"', f"registration_deadline = {written}"
    )
    (problem,) = competition_problems(path)
    assert problem.key == "teams.registration_deadline"
    assert fragment in problem.problem


def test_registration_deadline_in_a_daylight_saving_gap_is_rejected(tmp_path: Path) -> None:
    text = MINIMAL_TOML.replace("Asia/Shanghai", "Europe/Berlin")
    text += '\n[teams]\nregistration_deadline = "2026-03-29 02:30"\n'
    (problem,) = competition_problems(write(tmp_path, text))
    assert problem.key == "teams.registration_deadline"
    assert "does not exist in Europe/Berlin" in problem.problem


def test_unknown_timezone_name_is_reported(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'timezone = "Asia/Shanghai"', 'timezone = "Asia/Shangai"')
    (problem,) = competition_problems(path)
    assert problem.key == "competition.timezone"
    assert "unknown timezone 'Asia/Shangai'" in problem.problem
    assert "IANA" in problem.fix


def test_negative_threshold_is_reported_with_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    example_with(tmp_path, "promotion_threshold = 500", "promotion_threshold = -5")
    (problem,) = competition_problems(Path("competition.toml"))
    assert problem.line() == (
        "competition.toml: cohorts[1].promotion_threshold: must be 0 or more (got -5). "
        "Fix: use a whole number of season points, 0 or more."
    )


def test_decreasing_thresholds_are_reported_at_the_cohort_that_drops(tmp_path: Path) -> None:
    path = example_with(tmp_path, "promotion_threshold = 1500", "promotion_threshold = 400")
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[2].promotion_threshold"
    assert "400 < 500" in problem.problem
    assert "never decrease" in problem.fix


def test_first_cohort_must_start_at_zero_points(tmp_path: Path) -> None:
    path = example_with(tmp_path, "promotion_threshold = 0", "promotion_threshold = 10")
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[0].promotion_threshold"
    assert "must be 0 for the first" in problem.problem


def test_duplicate_cohort_keys_are_reported(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'key = "elite"', 'key = "rookie"')
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[2].key"
    assert "'rookie' is already used by cohorts[0]" in problem.problem


def test_duplicate_cohort_roles_and_track_keys_are_reported(tmp_path: Path) -> None:
    text = example_text().replace('role = "Elite"', 'role = "Rookie"')
    text = text.replace('key = "professional"', 'key = "student"')
    keys = {p.key for p in competition_problems(write(tmp_path, text))}
    assert keys == {"cohorts[2].role", "tracks[1].key"}


def test_cohort_role_may_not_be_the_organizer_role(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'organizer = "Organizer"', 'organizer = "Elite"')
    (problem,) = competition_problems(path)
    assert problem.key == "cohorts[2].role"
    assert "organizer role" in problem.problem


def test_unknown_key_is_reported_with_its_path_and_a_suggestion(tmp_path: Path) -> None:
    path = example_with(tmp_path, "max_size = 5", "max_size = 5\nmaxsize = 3")
    (problem,) = competition_problems(path)
    assert problem.key == "teams.maxsize"
    assert problem.problem == "unknown key"
    assert "'max_size'" in problem.fix


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("[engagement]", "[engagment]", "engagment"),
        ('key = "rookie"', 'key = "rookie"\ncolour = "red"', "cohorts[0].colour"),
        (
            'variables = ["code"]',
            'variables = ["code"]\nlanguage = "en"',
            "whatsapp.templates.verification.en.language",
        ),
        ("ugc = 200", "ugcc = 200", "points.weekly_caps.ugcc"),
        ("[whatsapp.templates.broadcast.en]", "[whatsapp.templates.broadcast.fr]", None),
    ],
)
def test_unknown_keys_anywhere_are_errors(
    tmp_path: Path, old: str, new: str, key: str | None
) -> None:
    problems = competition_problems(example_with(tmp_path, old, new))
    assert len(problems) == 1
    if key is not None:
        assert problems[0].key == key
    else:
        assert problems[0].key.startswith("whatsapp.templates.broadcast.fr")


def test_missing_required_tables_are_each_reported(tmp_path: Path) -> None:
    problems = competition_problems(write(tmp_path, "[teams]\nmax_size = 4\n"))
    assert {p.key: p.problem for p in problems} == {
        "competition": "missing",
        "cohorts": "missing",
        "tracks": "missing",
    }


def test_many_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        example_text()
        .replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
        .replace("max_size = 5", "max_size = 80")
        .replace('brushing_window = "10m"', 'brushing_window = "soon"')
        .replace("drop_alert_percent = 15", "drop_alert_percent = 0")
        .replace('offsets = ["24h", "1h"]', 'offsets = ["24h", "24h"]')
        .replace('weekly_post_time = "09:00"', 'weekly_post_time = "9am"')
        .replace('content_sid = "HX00000000000000000000000000000001"', 'content_sid = "HX1"')
    )
    keys = {p.key for p in competition_problems(write(tmp_path, text))}
    assert keys == {
        "competition.timezone",
        "competition.weekly_post_time",
        "teams.max_size",
        "votes.brushing_window",
        "engagement.drop_alert_percent",
        "reminders.offsets[1]",
        "whatsapp.templates.reminder.en.content_sid",
    }


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ("min_size = 1", "min_size = 6", "teams.max_size", "at least min_size (6)"),
        ('week_start = "monday"', 'week_start = "funday"', "competition.week_start", "one of"),
        ('default_locale = "en"', 'default_locale = "fr"', "competition.default_locale", "one of"),
        ("qa_checkin = 10", "qa_checkin = 1.5", "points.qa_checkin", "whole number"),
        ("qa_checkin = 10", 'qa_checkin = "ten"', "points.qa_checkin", "whole number"),
        ("ugc = 200", "ugc = 0", "points.weekly_caps.ugc", "more than 0"),
        ("[100, 60, 30]", "[100, 160, 30]", "points.contest_placing[1]", "more points"),
        ('gallery = "ugc-gallery"', 'gallery = "UGC Gallery"', "channels.gallery", "lower case"),
        ('channels = ["rookie-camp"]', "channels = []", "cohorts[0].channels", "at least 1"),
        ('key = "rookie"', 'key = "Rookie Camp"', "cohorts[0].key", "lower-case letters"),
        (
            "messages_per_second = 10",
            "messages_per_second = 0",
            "whatsapp.messages_per_second",
            "more than 0 (got 0)",
        ),
        (
            'grace_period = "15m"',
            'grace_period = "0m"',
            "reminders.grace_period",
            "longer than zero",
        ),
        (
            "private_channels = false",
            'private_channels = "maybe"',
            "teams.private_channels",
            "true or false",
        ),
    ],
)
def test_invalid_competition_values_are_reported_readably(
    tmp_path: Path, old: str, new: str, key: str, fragment: str
) -> None:
    problems = competition_problems(example_with(tmp_path, old, new))
    assert [p.key for p in problems] == [key]
    assert fragment in problems[0].problem


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[competition]\nname = "X"\nseason "2026"\n')
    (problem,) = competition_problems(path)
    assert problem.source == str(path)
    assert "TOML syntax error" in problem.problem
    assert "line 3" in problem.problem


def test_missing_competition_file_is_reported(tmp_path: Path) -> None:
    (problem,) = competition_problems(tmp_path / "nope.toml")
    assert problem.problem.startswith("file not found")
    assert "competition.example.toml" in problem.fix


def test_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "competition.toml"
    path.write_bytes(b"\xef\xbb\xbf" + example_text().encode("utf-8"))
    assert load_competition(path).competition.season == "2026"


def test_reminder_offsets_are_sorted_from_the_earliest_reminder(tmp_path: Path) -> None:
    path = example_with(tmp_path, 'offsets = ["24h", "1h"]', 'offsets = ["1h", "2d", "30m"]')
    assert load_competition(path).reminders.offsets == (
        timedelta(days=2),
        timedelta(hours=1),
        timedelta(minutes=30),
    )


def test_competition_config_is_immutable() -> None:
    config = load_competition(COMPETITION_EXAMPLE)
    with pytest.raises(ValidationError):
        config.teams.max_size = 9  # type: ignore[misc]


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        annotation: Any = _unwrap(field.annotation)
        if typing.get_origin(annotation) is tuple:
            annotation = _unwrap(typing.get_args(annotation)[0])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(_leaf_paths(annotation, f"{path}."))
    return paths


def test_every_competition_key_has_a_specific_fix_text() -> None:
    generic = _toml_fix("no.such.key")
    for path in _leaf_paths(CompetitionConfig):
        assert _toml_fix(path) != generic, path


def test_every_competition_key_is_documented_in_the_example() -> None:
    text = example_text()
    for path in _leaf_paths(CompetitionConfig):
        name = path.rsplit(".", 1)[-1]
        if name in ("en", "zh_CN") and "templates" not in path:
            continue  # inline tables: name = { en = ..., zh_CN = ... }
        assert re.search(rf"(^|[\s.\[{{]){name}\b", text), path


# --------------------------------------------------------------------------------------
# load_all
# --------------------------------------------------------------------------------------


def test_load_all_reads_the_competition_file_named_by_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, example_text(), "rules.toml")
    settings, config = load_all(None, environ=env(COMPETITION_CONFIG="rules.toml"))
    assert settings.COMPETITION_CONFIG == "rules.toml"
    assert config.competition.name == "Cross-Border E-Commerce Challenge 2026"


def test_load_all_reports_env_and_competition_problems_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    example_with(tmp_path, "max_size = 5", "max_size = 5\nmaxsize = 3")
    write(tmp_path, "WEB_PORT=http\n", ".env")
    with pytest.raises(ConfigError) as excinfo:
        load_all()
    lines = str(excinfo.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "DISCORD_TOKEN",
        "DISCORD_GUILD_ID",
        "WEB_PORT",
        "DASHBOARD_SECRET",
        "competition.toml",
    ]
    assert lines[-1].startswith("competition.toml: teams.maxsize: unknown key.")


def test_load_all_reports_a_missing_competition_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as excinfo:
        load_all(None, environ=REQUIRED)
    (problem,) = excinfo.value.problems
    assert problem.source == "competition.toml"
    assert problem.problem.startswith("file not found")


ONE_SECRET_COMMAND = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


@pytest.mark.parametrize("doc", ["README.md", ".env.example"])
def test_the_docs_give_one_secret_generation_command(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    commands = re.findall(r"python3? -c \"[^\"]*secrets[^\"]*\"", text)
    assert commands, f"{doc} gives no command to generate a secret"
    assert set(commands) == {ONE_SECRET_COMMAND}


def test_a_missing_dashboard_secret_gives_the_same_secret_generation_command() -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, environ={k: v for k, v in REQUIRED.items() if k != "DASHBOARD_SECRET"})
    assert ONE_SECRET_COMMAND in problems_of(excinfo)["DASHBOARD_SECRET"].line()
