"""Scoring a round: pure functions from score sheets and votes to ranked results.

1. A sheet's score is the weighted mean of its criteria: Σ weight·score / Σ weight.
2. Normalization (when the round asks for it) corrects harsh and lenient judges. For each
   judge, over their submitted sheets in the round: mean m and population standard
   deviation s; a sheet's z-score is (x − m) / s (0 when s is 0: a judge who gives every
   entry the same score says nothing about their order). The z-score is mapped back to the
   scale with the mean M and population standard deviation S of all submitted sheets in
   the round: M + z·S, kept within the scale.
3. An entry's judge score is the mean of its sheets' scores (normalized ones when the
   round normalizes); None without a submitted sheet.
4. Final = judge_weight × (judge score scaled to 0..1: (score − min) / (max − min); 0
   without a sheet) + community_weight × vote share (the entry's counted votes / all
   counted votes in the contest; 0 when there are none).
5. Ranking, highest first; ties on the final are broken by the higher judge score (the one
   the final used), then more submitted sheets, then the higher vote share. Entries equal
   on all four share the rank (1, 1, 3 …) and are listed by submission time. Values are
   compared rounded to 9 decimals. ``tie_break`` names what decided a tie with a
   neighbour (``TIE_BREAKS``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.services.judging.models import EntryResult, Rubric

DIGITS = 9


def sheet_score(scores: Mapping[str, int], rubric: Rubric) -> float:
    """The weighted mean of a complete sheet's criteria."""
    total = sum(c.weight for c in rubric.criteria)
    return sum(c.weight * scores[c.key] for c in rubric.criteria) / total


@dataclass(frozen=True, slots=True)
class SheetScore:
    """One submitted sheet's score: who gave it to which entry."""

    judge_id: int
    entry_id: int
    score: float


def normalize(
    sheets: Sequence[SheetScore], scale_min: float, scale_max: float
) -> dict[tuple[int, int], float]:
    """Each sheet's normalized score, by (judge id, entry id) (see the module docstring)."""
    if not sheets:
        return {}
    values = [s.score for s in sheets]
    overall_mean = statistics.fmean(values)
    overall_sd = statistics.pstdev(values)
    by_judge: dict[int, list[float]] = defaultdict(list)
    for sheet in sheets:
        by_judge[sheet.judge_id].append(sheet.score)
    stats = {j: (statistics.fmean(v), statistics.pstdev(v)) for j, v in by_judge.items()}
    result: dict[tuple[int, int], float] = {}
    for sheet in sheets:
        mean, sd = stats[sheet.judge_id]
        z = (sheet.score - mean) / sd if sd > 0 else 0.0
        value = overall_mean + z * overall_sd
        result[(sheet.judge_id, sheet.entry_id)] = min(scale_max, max(scale_min, value))
    return result


@dataclass(frozen=True, slots=True)
class EntryInput:
    """An entry to rank: its team, title, counted votes and submission order."""

    entry_id: int
    team_id: int
    team_name: str
    title: str
    votes: int
    position: int


@dataclass(frozen=True, slots=True)
class Weights:
    """How a round blends: judge and community weights, the scale, normalization."""

    judge_weight: float
    community_weight: float
    scale_min: int
    scale_max: int
    normalize: bool


@dataclass(frozen=True, slots=True)
class _Scored:
    """An entry with its scores, before ranking."""

    entry: EntryInput
    judge_score: float | None
    normalized_score: float | None
    used: float | None
    sheets: int
    share: float
    final: float

    @property
    def key(self) -> tuple[float, float, int, float]:
        """The tie rule's order, smallest first: final, judge score used, sheets, share."""
        return (
            -round(self.final, DIGITS),
            -round(self.used if self.used is not None else -1.0, DIGITS),
            -self.sheets,
            -round(self.share, DIGITS),
        )


def rank_entries(
    entries: Sequence[EntryInput],
    sheets: Sequence[SheetScore],
    weights: Weights,
    *,
    total_votes: int,
    placing_points: Sequence[int] = (),
) -> list[EntryResult]:
    """The round's results, ranked by the documented rule, with placing points per rank
    (a shared rank gives each entry that rank's points; an entry with final 0 gets none)."""
    normalized = (
        normalize(sheets, weights.scale_min, weights.scale_max) if weights.normalize else {}
    )
    raw: dict[int, list[float]] = defaultdict(list)
    adjusted: dict[int, list[float]] = defaultdict(list)
    for sheet in sheets:
        raw[sheet.entry_id].append(sheet.score)
        if weights.normalize:
            adjusted[sheet.entry_id].append(normalized[(sheet.judge_id, sheet.entry_id)])
    span = weights.scale_max - weights.scale_min
    rows = []
    for entry in entries:
        mine, theirs = raw[entry.entry_id], adjusted[entry.entry_id]
        judge_score = statistics.fmean(mine) if mine else None
        normalized_score = statistics.fmean(theirs) if theirs else None
        used = normalized_score if weights.normalize else judge_score
        scaled = (used - weights.scale_min) / span if used is not None else 0.0
        share = entry.votes / total_votes if total_votes > 0 else 0.0
        final = weights.judge_weight * scaled + weights.community_weight * share
        rows.append(_Scored(entry, judge_score, normalized_score, used, len(mine), share, final))
    rows.sort(key=lambda r: (r.key, r.entry.position, r.entry.entry_id))
    results: list[EntryResult] = []
    rank = 0
    for index, row in enumerate(rows):
        if index == 0 or row.key != rows[index - 1].key:
            rank = index + 1
        tie = None
        for other in (index - 1, index + 1):
            if 0 <= other < len(rows) and rows[other].key[0] == row.key[0]:
                tie = _tie_break(row.key, rows[other].key)
                break
        points = 0
        if row.final > 0 and rank <= len(placing_points):
            points = placing_points[rank - 1]
        results.append(
            EntryResult(
                rank=rank,
                entry_id=row.entry.entry_id,
                team_id=row.entry.team_id,
                team_name=row.entry.team_name,
                judge_score=row.judge_score,
                normalized_score=row.normalized_score,
                vote_share=row.share,
                final=row.final,
                tie_break=tie,
                sheets=row.sheets,
                title=row.entry.title,
                points=points,
            )
        )
    return results


def _tie_break(
    mine: tuple[float, float, int, float], other: tuple[float, float, int, float]
) -> str:
    """What separated two entries with the same final: the first criterion that differs."""
    for code, position in (("judge_score", 1), ("sheets", 2), ("vote_share", 3)):
        if mine[position] != other[position]:
            return code
    return "shared"
