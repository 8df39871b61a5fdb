"""Loading the configuration: gathering the environment, reading the TOML file, validating both."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values
from pydantic import ValidationError

from bot.config.competition import CompetitionConfig, _toml_fix
from bot.config.problems import ConfigError, ConfigProblem, _problems_from_validation
from bot.config.settings import (
    _EXPLICIT_VALUES_ONLY,
    _RUN_ONLY_KEYS,
    _SECRET_ENV_KEYS,
    Settings,
    _env_fix,
    _twilio_problems,
)


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
