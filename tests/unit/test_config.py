"""Configuration: the example files, settings from the environment/.env, and load_all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import (
    LOCALES,
    MESSAGE_KINDS,
    ConfigError,
    ConfigProblem,
    Settings,
    load_all,
    load_competition,
    load_settings,
)
from bot.config.settings import _ENV_FIXES
from tests.config_support import (
    COMPETITION_EXAMPLE,
    ENV_EXAMPLE,
    REQUIRED,
    ROOT,
    TWILIO,
    assert_readable,
    env,
    example_text,
    example_with,
    problems_of,
    write,
)

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
