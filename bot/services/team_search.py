"""An in-memory index of team names for autocomplete: prefix, then substring, then fuzzy.

Autocomplete must answer well inside Discord's 3-second window at 10,000+ teams, on every
keystroke. A ``LIKE '%x%'`` scan cannot use an index and cannot forgive a typo, so the team
service keeps this index (rebuilt from the database, updated on every team write) and asks
it instead. Names are compared by their ``name_key`` (NFKC + casefold).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.services.names import name_key

#: How similar (difflib ratio, 0..1) a name or one of its word-aligned pieces must be to the
#: query to count as a typo match ("zerba" → "Zebra" is 0.8).
FUZZY_MIN_SIMILARITY = 0.7
#: Names sharing the most trigrams with the query are the only ones scored, so a fuzzy
#: search costs the same at 100 or 100,000 teams.
FUZZY_CANDIDATES = 30


@dataclass(frozen=True, slots=True)
class TeamChoice:
    """One autocomplete suggestion."""

    team_id: int
    name: str


def _similarity(matcher: SequenceMatcher[str], size: int, key: str) -> float:
    """The best ratio of the query (``matcher``'s second sequence) against the whole key or
    a word-aligned piece of it as long as the query (so a typo in a name's second word
    still matches; ``size`` is the query's length). Pieces that cannot reach the
    threshold are skipped cheaply."""
    pieces = [key] + [key[i + 1 : i + 1 + size] for i, ch in enumerate(key) if ch == " "]
    pieces.append(key[:size])
    best = 0.0
    for piece in pieces:
        matcher.set_seq1(piece)
        if matcher.real_quick_ratio() < FUZZY_MIN_SIMILARITY:
            continue
        if matcher.quick_ratio() < FUZZY_MIN_SIMILARITY:
            continue
        best = max(best, matcher.ratio())
    return best


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class TeamSearchIndex:
    """Names of the active teams of one season, searchable by prefix, substring and typo."""

    def __init__(self, teams: Iterable[tuple[int, str, str]] = ()) -> None:
        self._teams: dict[int, tuple[str, str]] = {}
        self._sorted: list[tuple[str, int]] = []
        self._grams: dict[str, set[int]] = {}
        self._gram_counts: dict[int, int] = {}
        self._joined: tuple[str, list[int], list[int]] | None = None
        for team_id, name, key in teams:
            self._teams[team_id] = (name, key)
            self._sorted.append((key, team_id))
            self._index_grams(team_id, key)
        self._sorted.sort()

    def __len__(self) -> int:
        return len(self._teams)

    def _index_grams(self, team_id: int, key: str) -> None:
        grams = _trigrams(key)
        self._gram_counts[team_id] = len(grams)
        for gram in grams:
            self._grams.setdefault(gram, set()).add(team_id)

    def add(self, team_id: int, name: str, key: str) -> None:
        """Add a team, or replace its name when it is already indexed."""
        self.remove(team_id)
        self._joined = None
        self._teams[team_id] = (name, key)
        bisect.insort(self._sorted, (key, team_id))
        self._index_grams(team_id, key)

    def remove(self, team_id: int) -> None:
        """Forget a team (disbanded); unknown ids are ignored."""
        known = self._teams.pop(team_id, None)
        if known is None:
            return
        self._joined = None
        key = known[1]
        position = bisect.bisect_left(self._sorted, (key, team_id))
        if position < len(self._sorted) and self._sorted[position] == (key, team_id):
            del self._sorted[position]
        for gram in _trigrams(key):
            holders = self._grams.get(gram)
            if holders is not None:
                holders.discard(team_id)
                if not holders:
                    del self._grams[gram]
        self._gram_counts.pop(team_id, None)

    def _text(self) -> tuple[str, list[int], list[int]]:
        """All keys in one string (one search instead of one per name), rebuilt lazily."""
        if self._joined is None:
            starts: list[int] = []
            ids: list[int] = []
            parts: list[str] = []
            offset = 0
            for key, team_id in self._sorted:
                starts.append(offset)
                ids.append(team_id)
                parts.append(key)
                offset += len(key) + 1
            self._joined = ("\n".join(parts), starts, ids)
        return self._joined

    def _containing(self, q: str) -> list[int]:
        """Ids of names containing ``q`` (not at their start), earliest match first."""
        joined, starts, ids = self._text()
        found: list[tuple[int, str, int]] = []
        position = joined.find(q)
        while position != -1:
            row = bisect.bisect_right(starts, position) - 1
            within = position - starts[row]
            if within > 0:
                found.append((within, self._teams[ids[row]][1], ids[row]))
            # Continue after this name: one entry per name.
            next_row = row + 1
            if next_row >= len(starts):
                break
            position = joined.find(q, starts[next_row])
        found.sort()
        return [team_id for _within, _key, team_id in found]

    def search(self, query: str, limit: int = 25) -> list[TeamChoice]:
        """At most ``limit`` teams for ``query``: names starting with it (alphabetical),
        then names containing it (earliest match first), then names within a typo or two
        (most similar first). An empty query lists the first names alphabetically."""
        q = name_key(query)
        found: list[int] = []
        seen: set[int] = set()

        def take(team_id: int) -> bool:
            if team_id not in seen:
                seen.add(team_id)
                found.append(team_id)
            return len(found) >= limit

        start = bisect.bisect_left(self._sorted, (q, -1))
        for key, team_id in self._sorted[start:]:
            if not key.startswith(q) or take(team_id):
                break
        if len(found) < limit and q:
            for team_id in self._containing(q):
                if team_id not in seen and take(team_id):
                    break
        if len(found) < limit and len(q) >= 3:
            shared: Counter[int] = Counter()
            for gram in _trigrams(q):
                shared.update(self._grams.get(gram, ()))
            scored = []
            matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(q)
            for team_id, _common in shared.most_common(FUZZY_CANDIDATES + len(seen)):
                if team_id in seen:
                    continue
                key = self._teams[team_id][1]
                similarity = _similarity(matcher, len(q), key)
                if similarity >= FUZZY_MIN_SIMILARITY:
                    scored.append((-similarity, key, team_id))
            scored.sort()
            for _score, _key, team_id in scored:
                if take(team_id):
                    break
        return [TeamChoice(team_id, self._teams[team_id][0]) for team_id in found[:limit]]
