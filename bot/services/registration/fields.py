"""Cleaning one profile answer by its field's type: text, email, country, year or choice."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from bot.config.registration import ProfileFieldConfig
from bot.services.registration.errors import (
    AnswerHasMention,
    AnswerRequired,
    AnswerTooLong,
    BadChoice,
    BadCountry,
    BadEmail,
    BadYear,
)

MIN_YEAR = 1900
MAX_YEAR = 2100
_EMAIL_RE = re.compile(r"[^@\s<>]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63}")
_UNSAFE_RE = re.compile(
    r"<@|<#|<:|@everyone|@here|https?://|[\x00-\x1f\x7f\u200b-\u200f\u2028\u2029]"
)


def clean_email(text: str) -> str | None:
    """The address in lower case, or None when it is not one."""
    address = text.strip().lower()
    return address if _EMAIL_RE.fullmatch(address) and len(address) <= 254 else None


@cache
def _countries() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """ISO codes → English names, ISO codes → Chinese names, and every spelling → code."""
    english = {k: v for k, v in Locale("en").territories.items() if re.fullmatch("[A-Z]{2}", k)}
    chinese = {k: v for k, v in Locale("zh").territories.items() if k in english}
    spelled: dict[str, str] = {}
    for code in english:
        spelled[code.casefold()] = code
        spelled[english[code].casefold()] = code
        if code in chinese:
            spelled[chinese[code].casefold()] = code
    return english, chinese, spelled


def country_name(code: str, locale: str | None) -> str:
    """The name of an ISO country code in ``locale`` (Chinese or English); the code if unknown."""
    english, chinese, _ = _countries()
    if locale and locale.lower().startswith("zh") and code in chinese:
        return chinese[code]
    return english.get(code, code)


def clean_answer(field: ProfileFieldConfig, raw: str | None, label: str) -> str:
    """The stored form of an answer ("" for an optional one left empty).

    Raises the refusal naming ``label`` (the field's label in the member's language)."""
    text = " ".join((raw or "").split()) if field.type != "text" else (raw or "").strip()
    if not text:
        if field.required:
            raise AnswerRequired(field=label)
        return ""
    if len(text) > field.max_length:
        raise AnswerTooLong(field=label, max=field.max_length, length=len(text))
    if _UNSAFE_RE.search(text) or "\n" in text:
        raise AnswerHasMention(field=label)
    if field.type == "email":
        address = clean_email(text)
        if address is None:
            raise BadEmail(field=label)
        return address
    if field.type == "country":
        code = _countries()[2].get(text.casefold())
        if code is None:
            raise BadCountry(field=label, value=text[:60])
        return code
    if field.type == "year":
        if not re.fullmatch(r"[0-9]{4}", text) or not MIN_YEAR <= int(text) <= MAX_YEAR:
            raise BadYear(field=label, min=MIN_YEAR, max=MAX_YEAR)
        return text
    if field.type == "choice":
        for choice in field.choices:
            if choice.casefold() == text.casefold():
                return choice
        raise BadChoice(field=label, choices=", ".join(field.choices))
    return text
