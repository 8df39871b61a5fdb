"""Human-friendly durations such as ``90m``, ``2h``, ``1h30m`` or ``1d 2h``.

Organizers type durations in slash commands and in ``competition.toml``. This module is the
one place that turns that text into a :class:`datetime.timedelta` and back.

Accepted form: one or more ``<whole number><unit>`` parts with the units ``d`` (days), ``h``
(hours), ``m`` (minutes) and ``s`` (seconds), in that order, each at most once. Letters may
be upper or lower case, spaces may separate the parts, and full-width characters (``１ｈ``)
are read as their ASCII equivalents. The result must be longer than zero and no longer than
:data:`MAX_DURATION` (366 days).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

__all__ = ["MAX_DURATION", "format_duration", "parse_duration"]

MAX_DURATION = timedelta(days=366)
"""The longest duration :func:`parse_duration` accepts."""

_UNIT_SECONDS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))

# One "<number><unit>" part, optionally preceded by spaces. Matching part by part keeps the
# work linear in the input length (no backtracking across optional groups).
_PART_RE = re.compile(r"\s*([0-9]+)\s*([a-z]+)", re.ASCII | re.IGNORECASE)
_MAX_TEXT_LENGTH = 64

_EXAMPLES = "write it like 90m, 2h, 1h30m or 1d (units: d, h, m, s)"


def _shown(text: str) -> str:
    """Quote user text for an error message, shortened so messages stay one line."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return repr(shown)


def parse_duration(text: str) -> timedelta:
    """Parse a duration such as ``90m``, ``2h``, ``1h30m``, ``45s``, ``1d`` or ``1d 2h``.

    Returns a positive :class:`~datetime.timedelta` of whole seconds, at most
    :data:`MAX_DURATION`.

    Raises:
        ValueError: with a short English explanation when the text is empty, not a duration,
            negative, zero, or longer than 366 days.
    """
    if not isinstance(text, str):
        raise ValueError(f"must be text such as '90m', not {type(text).__name__}")
    normalized = unicodedata.normalize("NFKC", text).strip()
    if not normalized:
        raise ValueError(f"duration is empty; {_EXAMPLES}")
    if normalized.startswith("-"):
        raise ValueError(f"duration cannot be negative (got {_shown(text)})")
    if normalized.isdigit():
        raise ValueError(
            f"{_shown(text)} needs a unit: d, h, m or s (for example {normalized}m for minutes)"
        )
    if "." in normalized or "," in normalized:
        raise ValueError(
            f"use whole numbers, for example 1h30m instead of 1.5h (got {_shown(text)})"
        )
    if len(normalized) > _MAX_TEXT_LENGTH:
        raise ValueError(f"{_shown(text)} is not a duration; {_EXAMPLES}")
    units = [unit for unit, _ in _UNIT_SECONDS]
    factors = dict(_UNIT_SECONDS)
    total = 0  # Python integers do not overflow, so compare before building a timedelta.
    position = 0
    next_unit = 0  # index into ``units``: parts must come in d, h, m, s order, once each
    while position < len(normalized):
        match = _PART_RE.match(normalized, position)
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in units[next_unit:]:
            raise ValueError(f"{_shown(text)} is not a duration; {_EXAMPLES}")
        total += int(match.group(1)) * factors[unit]
        next_unit = units.index(unit) + 1
        position = match.end()
    if total == 0:
        raise ValueError(f"duration must be longer than zero (got {_shown(text)})")
    if total > MAX_DURATION.total_seconds():
        raise ValueError(f"duration must be at most 366 days (got {_shown(text)})")
    return timedelta(seconds=total)


def format_duration(td: timedelta) -> str:
    """Format a duration in the compact form :func:`parse_duration` reads, e.g. ``1h30m``.

    Units with a zero amount are left out (``2h``, not ``2h0m``); a zero duration is ``0s``.
    Parts smaller than a second are dropped. For every duration ``parse_duration`` accepts,
    ``parse_duration(format_duration(td)) == td``.

    Raises:
        ValueError: if ``td`` is negative.
    """
    if td < timedelta(0):
        raise ValueError(f"duration cannot be negative (got {td})")
    remaining = td.days * 86_400 + td.seconds
    if remaining == 0:
        return "0s"
    parts: list[str] = []
    for unit, seconds in _UNIT_SECONDS:
        amount, remaining = divmod(remaining, seconds)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
