"""Judging's values: rubrics, judges, rounds, entries, assignments, sheets, progress, results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.i18n import N_

EntrySource = Literal["all", "previous_round", "votes"]
RoundStatus = Literal["draft", "open", "closed", "published"]
AssignmentStatus = Literal["pending", "draft", "submitted", "withdrawn"]
ENTRY_SOURCES: tuple[EntrySource, ...] = ("all", "previous_round", "votes")

#: What ``EntryResult.tie_break`` codes mean (translate at display time).
TIE_BREAKS: dict[str, str] = {
    "judge_score": N_("tie on the final score: the higher judge score ranks first"),
    "sheets": N_("tie on the final and judge scores: more submitted score sheets rank first"),
    "vote_share": N_("tie on final, judge score and sheets: the higher vote share ranks first"),
    "shared": N_("a complete tie: the entries share the rank (listed by submission time)"),
}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One rubric criterion: its key, English and Chinese names, and weight."""

    key: str
    name: str
    name_zh: str
    weight: float

    def label(self, locale: str | None) -> str:
        """The criterion's name in ``locale``."""
        if locale and locale.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name


@dataclass(frozen=True, slots=True)
class Rubric:
    """A round's criteria and its score scale (inclusive)."""

    criteria: tuple[Criterion, ...]
    scale_min: int
    scale_max: int

    @property
    def keys(self) -> tuple[str, ...]:
        """The criteria's keys, in order."""
        return tuple(c.key for c in self.criteria)


@dataclass(frozen=True, slots=True)
class Judge:
    """A judge of the pool; ``user_id`` None for an external judge (web only)."""

    id: int
    user_id: int | None
    name: str
    email: str | None
    tags: tuple[str, ...]
    conflict_team_ids: tuple[int, ...]
    active: bool

    @property
    def external(self) -> bool:
        """True for a judge without a Discord account (signs in on the web)."""
        return self.user_id is None


@dataclass(frozen=True, slots=True)
class Round:
    """A judging round of a contest."""

    id: int
    contest_id: int
    name: str
    ordinal: int
    rubric: Rubric
    entry_source: EntrySource
    top_n: int | None
    judges_per_entry: int
    deadline: dt.datetime
    judge_weight: float
    community_weight: float
    normalize: bool
    status: RoundStatus
    live: bool


@dataclass(frozen=True, slots=True)
class EntryMaterials:
    """An entry as a judge sees it: the contest submission's title, links and files."""

    entry_id: int
    team_id: int
    team_name: str
    title: str
    description: str
    links: tuple[str, ...]
    attachments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """One judge on one entry of a round."""

    id: int
    round_id: int
    entry_id: int
    judge_id: int
    status: AssignmentStatus


@dataclass(frozen=True, slots=True)
class ScoreSheet:
    """A judge's scores (criterion key -> score) and comment; draft until ``submitted_at``."""

    assignment_id: int
    scores: Mapping[str, int]
    comment: str | None
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class JudgeTask:
    """What a judge works on: the assignment, its round, the entry and their sheet so far."""

    assignment: Assignment
    round: Round
    entry: EntryMaterials
    sheet: ScoreSheet | None


@dataclass(frozen=True, slots=True)
class JudgeProgress:
    """A judge's work in a round: assignments (not withdrawn) and sheets submitted."""

    judge: Judge
    assigned: int
    submitted: int


@dataclass(frozen=True, slots=True)
class EntryProgress:
    """An entry's judging in a round: judges assigned and sheets submitted."""

    entry_id: int
    team_name: str
    assigned: int
    submitted: int


@dataclass(frozen=True, slots=True)
class Progress:
    """A round's progress per judge and per entry."""

    round: Round
    judges: tuple[JudgeProgress, ...]
    entries: tuple[EntryProgress, ...]


@dataclass(frozen=True, slots=True)
class EntryResult:
    """One line of a round's results. ``judge_score`` is the mean of the entry's sheets on
    the rubric's scale (None without a submitted sheet); ``normalized_score`` the same after
    per-judge normalization (None when the round does not normalize); ``final`` the blend;
    ``tie_break`` a ``TIE_BREAKS`` code when a tie with a neighbour was broken or shared;
    ``points`` the placing points (credited once published)."""

    rank: int
    entry_id: int
    team_id: int
    team_name: str
    judge_score: float | None
    normalized_score: float | None
    vote_share: float
    final: float
    tie_break: str | None
    sheets: int = 0
    title: str = ""
    points: int = 0


@dataclass(frozen=True, slots=True)
class RoundResults:
    """A round's results: a preview until published (``published_at`` None), then frozen."""

    round: Round
    results: tuple[EntryResult, ...]
    published_at: dt.datetime | None
