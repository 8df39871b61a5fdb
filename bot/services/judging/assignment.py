"""Assigning judges to entries: a pure function, deterministic for a given seed.

Rules (``assign``): every entry gets ``k`` distinct judges, none in conflict with its team;
judge loads stay within ±1 of each other among judges able to take the work (a judge two
or more above another holds only entries that other judge cannot take); among judges of
equal load, the one bringing expertise tags the entry's judges do not have yet is
preferred. When some entry has fewer than ``k`` judges free of conflict, ``NotEnoughJudges``
names it. Entries already partly judged (``existing``: a drop-out's replacement) keep their
judges, and only the missing places are filled, with the same rules for the new work.

Method: entries are filled most-constrained first (fewest eligible judges beyond what they
need), each place going to the least-loaded eligible judge (ties: most new tags, then a
seeded rank); then a repair pass moves new work from a judge to one two or more below who
can take it, until no such move exists (each move lowers the sum of squared loads, so it
ends). Loads are kept in a dict, never recounted.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.services.judging.errors import NotEnoughJudges


@dataclass(frozen=True, slots=True)
class AssignEntry:
    """An entry to judge: its id, its team, and a label for error messages."""

    id: int
    team_id: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class AssignJudge:
    """A judge who can take work: expertise tags and the team ids they may not judge
    (declared conflicts and their own team)."""

    id: int
    tags: frozenset[str] = field(default_factory=frozenset)
    conflicts: frozenset[int] = field(default_factory=frozenset)


def assign(
    entries: Sequence[AssignEntry],
    judges: Sequence[AssignJudge],
    k: int,
    *,
    seed: int = 0,
    existing: Mapping[int, Iterable[int]] | None = None,
    loads: Mapping[int, int] | None = None,
) -> dict[int, tuple[int, ...]]:
    """The judges to add to each entry (entry id -> judge ids, in order of choice).

    ``existing``: judges each entry already has (kept; they count towards ``k`` and are
    not chosen again). ``loads``: the work each judge already has in the round (default:
    counted from ``existing``). Raises NotEnoughJudges when an entry cannot get ``k``.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    kept: dict[int, set[int]] = {e.id: set((existing or {}).get(e.id, ())) for e in entries}
    load: dict[int, int] = {j.id: 0 for j in judges}
    if loads is not None:
        for judge_id, count in loads.items():
            if judge_id in load:
                load[judge_id] = count
    else:
        for judge_ids in kept.values():
            for judge_id in judge_ids:
                if judge_id in load:
                    load[judge_id] += 1
    rng = random.Random(seed)
    order = list(judges)
    rng.shuffle(order)
    rank = {j.id: position for position, j in enumerate(order)}
    by_id = {j.id: j for j in judges}

    eligible: dict[int, list[AssignJudge]] = {}
    need: dict[int, int] = {}
    for entry in entries:
        able = [j for j in order if entry.team_id not in j.conflicts]
        free = [j for j in able if j.id not in kept[entry.id]]
        need[entry.id] = max(0, k - len(kept[entry.id]))
        if need[entry.id] > len(free):
            raise NotEnoughJudges(
                entry=entry.id,
                team=entry.label or str(entry.team_id),
                needed=k,
                available=len(able),
            )
        eligible[entry.id] = free
    tiebreak = {e.id: rng.random() for e in entries}
    queue = sorted(
        (e for e in entries if need[e.id]),
        key=lambda e: (len(eligible[e.id]) - need[e.id], tiebreak[e.id]),
    )

    added: dict[int, list[int]] = {e.id: [] for e in entries}
    for entry in queue:
        covered: set[str] = set()
        for judge_id in kept[entry.id]:
            if judge_id in by_id:
                covered |= by_id[judge_id].tags
        chosen: list[int] = added[entry.id]
        for _ in range(need[entry.id]):
            best = min(
                (j for j in eligible[entry.id] if j.id not in chosen),
                key=lambda j: (load[j.id], -len(j.tags - covered), rank[j.id]),
            )
            chosen.append(best.id)
            load[best.id] += 1
            covered |= best.tags
    _repair(entries, by_id, kept, added, load, rank)
    return {entry_id: tuple(ids) for entry_id, ids in added.items() if ids}


def _repair(
    entries: Sequence[AssignEntry],
    by_id: Mapping[int, AssignJudge],
    kept: Mapping[int, set[int]],
    added: dict[int, list[int]],
    load: dict[int, int],
    rank: Mapping[int, int],
) -> None:
    """Move new work from a judge to one at least two below who can take it, until none
    can move (loads within ±1 among judges able to take the work)."""
    if not load or max(load.values()) - min(load.values()) <= 1:
        return
    team_of = {e.id: e.team_id for e in entries}
    work: dict[int, list[int]] = {judge_id: [] for judge_id in load}
    for entry_id, judge_ids in added.items():
        for judge_id in judge_ids:
            work[judge_id].append(entry_id)
    moved = True
    while moved:
        moved = False
        ascending = sorted(load, key=lambda j: (load[j], rank[j]))
        for high in reversed(ascending):
            for low in ascending:
                if load[high] - load[low] < 2:
                    break
                target = by_id[low]
                for entry_id in work[high]:
                    if team_of[entry_id] in target.conflicts:
                        continue
                    if low in kept[entry_id] or low in added[entry_id]:
                        continue
                    work[high].remove(entry_id)
                    work[low].append(entry_id)
                    slot = added[entry_id].index(high)
                    added[entry_id][slot] = low
                    load[high] -= 1
                    load[low] += 1
                    moved = True
                    break
                if moved:
                    break
            if moved:
                break
