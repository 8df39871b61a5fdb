"""Configuration problems: one readable line per problem, and the error that carries them all."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, get_args, get_origin

from pydantic import BaseModel, ValidationError


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


def _redact_url(url: str) -> str:
    """Hide the password in a URL such as ``postgresql+asyncpg://user:secret@host/db``."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


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
