"""The brushing detector: plain functions over vote signals, no I/O.

A cluster is a group of at least ``min_size`` votes for ONE entry, cast within ``window``
of each other by accounts that were created, or joined the server, within ``window`` of
each other. Two votes are linked when both conditions hold for the pair; clusters are the
connected groups of linked votes, so a chain of close pairs forms one cluster.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

#: Reason keys (the cog shows them as localized sentences).
CREATED_TOGETHER = "created"
JOINED_TOGETHER = "joined"

#: Fewest linked votes that make a cluster worth an organizer's look.
DEFAULT_MIN_SIZE = 3


@dataclass(frozen=True, slots=True)
class VoteSignal:
    """What the detector knows of one counted vote (aware UTC times)."""

    vote_id: int
    submission_id: int
    voter_id: int
    account_created_at: dt.datetime
    joined_at: dt.datetime | None
    voted_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Cluster:
    """Suspicious votes for one entry, with why they were linked (``created``/``joined``)."""

    submission_id: int
    vote_ids: tuple[int, ...]
    voter_ids: tuple[int, ...]
    reasons: tuple[str, ...]
    first_vote_at: dt.datetime
    last_vote_at: dt.datetime


def _link_reasons(a: VoteSignal, b: VoteSignal, window: dt.timedelta) -> set[str]:
    reasons: set[str] = set()
    if abs(a.account_created_at - b.account_created_at) <= window:
        reasons.add(CREATED_TOGETHER)
    if (
        a.joined_at is not None
        and b.joined_at is not None
        and abs(a.joined_at - b.joined_at) <= window
    ):
        reasons.add(JOINED_TOGETHER)
    return reasons


def _entry_clusters(
    signals: list[VoteSignal], window: dt.timedelta, min_size: int
) -> list[Cluster]:
    ordered = sorted(signals, key=lambda s: (s.voted_at, s.vote_id))
    parent = list(range(len(ordered)))
    reasons: dict[int, set[str]] = defaultdict(set)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.voted_at - a.voted_at > window:
                break  # sorted by vote time: no later vote is close enough either
            why = _link_reasons(a, b, window)
            if not why:
                continue
            root_a, root_b = find(i), find(j)
            if root_a != root_b:
                parent[root_b] = root_a
                reasons[root_a] |= reasons.pop(root_b, set())
            reasons[find(i)] |= why
    groups: dict[int, list[VoteSignal]] = defaultdict(list)
    for i, signal in enumerate(ordered):
        groups[find(i)].append(signal)
    clusters = []
    for root, members in groups.items():
        if len(members) < min_size:
            continue
        clusters.append(
            Cluster(
                submission_id=members[0].submission_id,
                vote_ids=tuple(m.vote_id for m in members),
                voter_ids=tuple(m.voter_id for m in members),
                reasons=tuple(sorted(reasons[root])),
                first_vote_at=members[0].voted_at,
                last_vote_at=members[-1].voted_at,
            )
        )
    return clusters


def find_clusters(
    signals: Iterable[VoteSignal], window: dt.timedelta, *, min_size: int = DEFAULT_MIN_SIZE
) -> list[Cluster]:
    """Clusters of linked votes per entry (see the module docstring), largest first.

    Deterministic: the same votes give the same clusters in the same order.
    """
    if window <= dt.timedelta(0):
        raise ValueError("window must be positive")
    by_entry: dict[int, list[VoteSignal]] = defaultdict(list)
    for signal in signals:
        by_entry[signal.submission_id].append(signal)
    clusters: list[Cluster] = []
    for submission_id in sorted(by_entry):
        clusters.extend(_entry_clusters(by_entry[submission_id], window, min_size))
    return sorted(clusters, key=lambda c: (-len(c.vote_ids), c.submission_id, c.first_vote_at))
