"""Scoring: weighted means, normalization (the README's worked example, number for number),
the blend of judge and community scores, and the tie rule."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.services.judging import TIE_BREAKS, Criterion, Rubric
from bot.services.judging.scoring import (
    EntryInput,
    SheetScore,
    Weights,
    normalize,
    rank_entries,
    sheet_score,
)

README = Path(__file__).resolve().parents[2] / "README.md"
A, B, C, D = 1, 2, 3, 4
H, L = 10, 20
EXAMPLE_SHEETS = [
    SheetScore(H, A, 5),
    SheetScore(H, B, 3),
    SheetScore(L, C, 8),
    SheetScore(L, D, 7),
]
EXAMPLE_ENTRIES = [
    EntryInput(A, 101, "Team A", "A", votes=6, position=0),
    EntryInput(B, 102, "Team B", "B", votes=0, position=1),
    EntryInput(C, 103, "Team C", "C", votes=4, position=2),
    EntryInput(D, 104, "Team D", "D", votes=0, position=3),
]


def readme_judging() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Judging") : text.index("## Engagement")]


def test_a_sheet_is_the_weighted_mean_of_its_criteria() -> None:
    rubric = Rubric(
        (
            Criterion("feasibility", "Feasibility", "可行性", 2.0),
            Criterion("innovation", "Innovation", "创新性", 1.0),
            Criterion("business_value", "Business value", "商业价值", 1.0),
        ),
        1,
        10,
    )
    scores = {"feasibility": 8, "innovation": 6, "business_value": 4}
    assert sheet_score(scores, rubric) == pytest.approx(6.5)


def test_normalization_matches_the_readme_worked_example() -> None:
    normalized = normalize(EXAMPLE_SHEETS, 1, 10)
    overall_sd = math.sqrt(3.6875)
    assert round(overall_sd, 4) == 1.9203
    assert normalized[(H, A)] == pytest.approx(5.75 + overall_sd)
    assert normalized[(H, B)] == pytest.approx(5.75 - overall_sd)
    assert normalized[(L, C)] == pytest.approx(normalized[(H, A)])
    assert normalized[(L, D)] == pytest.approx(normalized[(H, B)])
    section = readme_judging()
    results = rank_entries(
        EXAMPLE_ENTRIES,
        EXAMPLE_SHEETS,
        Weights(1.0, 0.0, 1, 10, normalize=True),
        total_votes=10,
        placing_points=(300, 200, 100),
    )
    table = [
        (r.entry_id, r.rank, f"{r.normalized_score:.4f}", f"{r.final:.4f}", r.tie_break, r.points)
        for r in results
    ]
    assert table == [
        (A, 1, "7.6703", "0.7411", "vote_share", 300),
        (C, 2, "7.6703", "0.7411", "vote_share", 200),
        (B, 3, "3.8297", "0.3144", "shared", 100),
        (D, 3, "3.8297", "0.3144", "shared", 100),
    ]
    for number in ("7.6703", "3.8297", "0.7411", "0.3144", "1.9203", "5.75", "√3.6875"):
        assert number in section, number
    for letter, raw in (("A", 5), ("B", 3), ("C", 8), ("D", 7)):
        assert f"| {letter} (" in section
        assert f"| {raw} |" in section


def test_without_normalization_the_readme_order_is_c_d_a_b() -> None:
    results = rank_entries(
        EXAMPLE_ENTRIES, EXAMPLE_SHEETS, Weights(1.0, 0.0, 1, 10, normalize=False), total_votes=10
    )
    assert [r.entry_id for r in results] == [C, D, A, B]
    assert all(r.normalized_score is None for r in results)
    assert "C, D, A, B" in readme_judging()


def test_a_judge_who_gives_everyone_the_same_score_moves_nobody() -> None:
    sheets = [SheetScore(H, A, 6), SheetScore(H, B, 6), SheetScore(L, A, 9), SheetScore(L, B, 3)]
    normalized = normalize(sheets, 1, 10)
    overall_mean = 6.0
    assert normalized[(H, A)] == pytest.approx(overall_mean)
    assert normalized[(H, B)] == pytest.approx(overall_mean)
    assert normalized[(L, A)] > normalized[(L, B)]


def test_normalized_scores_stay_within_the_scale() -> None:
    sheets = [SheetScore(H, i, s) for i, s in enumerate([1, 1, 1, 1, 10])]
    sheets += [SheetScore(L, i, 10) for i in range(5)]
    values = normalize(sheets, 1, 10).values()
    assert min(values) >= 1
    assert max(values) <= 10


def test_the_final_blends_judge_score_and_vote_share() -> None:
    entries = [EntryInput(A, 1, "A", "A", 5, 0), EntryInput(B, 2, "B", "B", 15, 1)]
    sheets = [SheetScore(H, A, 8), SheetScore(L, A, 8), SheetScore(H, B, 6), SheetScore(L, B, 6)]
    results = rank_entries(entries, sheets, Weights(0.7, 0.3, 1, 10, False), total_votes=20)
    by_entry = {r.entry_id: r for r in results}
    assert by_entry[A].final == pytest.approx(0.7 * 7 / 9 + 0.3 * 0.25)
    assert by_entry[B].final == pytest.approx(0.7 * 5 / 9 + 0.3 * 0.75)
    assert by_entry[A].vote_share == pytest.approx(0.25)
    # Community only: the vote share decides alone.
    votes_only = rank_entries(entries, sheets, Weights(0.0, 1.0, 1, 10, False), total_votes=20)
    assert [r.entry_id for r in votes_only] == [B, A]
    assert votes_only[0].final == pytest.approx(0.75)


def test_an_entry_without_sheets_or_votes_scores_zero_and_gets_no_points() -> None:
    entries = [EntryInput(A, 1, "A", "A", 0, 0), EntryInput(B, 2, "B", "B", 0, 1)]
    results = rank_entries(
        entries,
        [SheetScore(H, A, 4)],
        Weights(1.0, 0.0, 1, 10, False),
        total_votes=0,
        placing_points=(300, 200),
    )
    assert [(r.entry_id, r.judge_score, r.final, r.points) for r in results] == [
        (A, 4, pytest.approx(1 / 3), 300),
        (B, None, 0.0, 0),
    ]


@pytest.mark.parametrize(
    ("sheets", "votes", "expected", "code"),
    [
        # Different finals: no tie to break, whatever the votes.
        ([(A, 10), (B, 1)], (0, 9), [A, B], None),
        # Equal judge scores, A has two sheets and B one.
        ([(A, 6), (A, 6), (B, 6)], (0, 0), [A, B], "sheets"),
        # Equal scores and sheets: the higher vote share.
        ([(A, 6), (B, 6)], (1, 3), [B, A], "vote_share"),
        # Everything equal: a shared rank, listed by submission (A first).
        ([(A, 6), (B, 6)], (2, 2), [A, B], "shared"),
    ],
)
def test_the_tie_rule(
    sheets: list[tuple[int, int]], votes: tuple[int, int], expected: list[int], code: str | None
) -> None:
    entries = [EntryInput(A, 1, "A", "A", votes[0], 0), EntryInput(B, 2, "B", "B", votes[1], 1)]
    scored = [SheetScore(100 + i, e, s) for i, (e, s) in enumerate(sheets)]
    results = rank_entries(entries, scored, Weights(1.0, 0.0, 1, 10, False), total_votes=10)
    assert [r.entry_id for r in results] == expected
    assert results[0].tie_break == code
    if code == "shared":
        assert [r.rank for r in results] == [1, 1]
    else:
        assert [r.rank for r in results] == [1, 2]


def test_a_tie_on_the_final_is_broken_by_the_judge_score() -> None:
    # A: judge score at 0.5 of the scale, no votes; B: 0.25 of the scale and a vote share
    # of 0.25 (5 of 20); both finals are 0.25.
    entries = [EntryInput(A, 1, "A", "A", 0, 1), EntryInput(B, 2, "B", "B", 5, 0)]
    sheets = [SheetScore(H, A, 5.5), SheetScore(H, B, 3.25)]
    results = rank_entries(entries, sheets, Weights(0.5, 0.5, 1, 10, False), total_votes=20)
    assert results[0].final == pytest.approx(results[1].final)
    assert [r.entry_id for r in results] == [A, B]
    assert [r.tie_break for r in results] == ["judge_score", "judge_score"]
    assert set(TIE_BREAKS) == {"judge_score", "sheets", "vote_share", "shared"}
