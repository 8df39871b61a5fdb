"""Durations as organizers type them: ``90m``, ``2h``, ``1h30m``, ``1d 2h``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.durations import MAX_DURATION, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("1d", timedelta(days=1)),
        ("1d2h", timedelta(days=1, hours=2)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("366d", timedelta(days=366)),
    ],
)
def test_parse_duration_reads_each_unit_and_combinations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("1h30M", timedelta(hours=1, minutes=30)),
        ("2D", timedelta(days=2)),
        (" 1h30m ", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("1 h 30 m", timedelta(hours=1, minutes=30)),
        ("1d\t2h", timedelta(days=1, hours=2)),
    ],
)
def test_parse_duration_ignores_case_and_spaces_between_parts(
    text: str, expected: timedelta
) -> None:
    assert parse_duration(text) == expected


def test_parse_duration_reads_full_width_characters_typed_with_a_chinese_keyboard() -> None:
    assert parse_duration("１ｈ３０ｍ") == timedelta(hours=1, minutes=30)


@pytest.mark.parametrize(
    ("text", "explanation"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("0m", "longer than zero"),
        ("0h0m", "longer than zero"),
        ("-5m", "negative"),
        ("90", "needs a unit"),
        ("abc", "not a duration"),
        ("1.5h", "whole numbers"),
        ("30m1h", "not a duration"),
        ("1h1h", "not a duration"),
        ("500ms", "not a duration"),
        ("1w", "not a duration"),
        ("1h x", "not a duration"),
        ("367d", "at most 366 days"),
        ("366d1s", "at most 366 days"),
        ("99999999999999999999999999d", "at most 366 days"),
    ],
)
def test_parse_duration_rejects_bad_input_with_a_short_explanation(
    text: str, explanation: str
) -> None:
    with pytest.raises(ValueError, match=explanation):
        parse_duration(text)


def test_parse_duration_rejects_long_garbage_quickly() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("1h" + " " * 5000 + "x")


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(hours=2), "2h"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=1, hours=2), "1d2h"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(0), "0s"),
        (timedelta(minutes=1, microseconds=500), "1m"),
    ],
)
def test_format_duration_writes_the_compact_form(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


def test_format_duration_rejects_negative_durations() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(timedelta(seconds=-1))


@given(st.integers(min_value=1, max_value=int(MAX_DURATION.total_seconds())))
def test_format_then_parse_returns_the_same_duration(seconds: int) -> None:
    td = timedelta(seconds=seconds)
    assert parse_duration(format_duration(td)) == td


@given(
    st.tuples(
        st.integers(0, 300), st.integers(0, 99), st.integers(0, 999), st.integers(0, 9999)
    ).filter(lambda parts: any(parts)),
    st.lists(st.sampled_from(["", " ", "  "]), min_size=4, max_size=4),
    st.booleans(),
)
def test_parse_duration_sums_any_spelling_of_the_parts(
    parts: tuple[int, int, int, int], spaces: list[str], upper: bool
) -> None:
    units = "dhms".upper() if upper else "dhms"
    text = "".join(
        f"{amount}{unit}{space}"
        for amount, unit, space in zip(parts, units, spaces, strict=True)
        if amount
    )
    days, hours, minutes, seconds = parts
    assert parse_duration(text) == timedelta(
        days=days, hours=hours, minutes=minutes, seconds=seconds
    )
