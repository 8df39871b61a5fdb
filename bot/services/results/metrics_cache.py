"""The metrics of a few recently scored weeks, kept per process and brought up to date by
recomputing only the teams whose inputs were written since.

A weekly run reads every team's metrics of its week: for 10,000 teams about a third of a
second, most of a re-score after a correction that touched a hundred teams. Every write of
scoring inputs records the season revision it made for each team it touched
(``storage.queries.results_revisions``), so a cached week at revision *r* is exact again
once the teams written after *r* are recomputed:

* the revision is read before the metrics it labels, so a write that commits while they
  are read is newer than the label and is recomputed next time (never missed);
* a write that may touch any team (``EVERY_TEAM``) and a source that cannot tell what
  changed (``changed_teams`` → None) make the next read a full one;
* the configuration (formulas, rates, timezone) is fixed for the life of a process.

The cached dicts are shared with the callers: they must not change them.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.services.results.scoring_base import MetricsSource, TeamMetrics

#: Weeks kept: the week scored last (a re-score after a correction, the weekly run of the
#: newest week; the weekly job's check of earlier weeks reads them in full). About 10 MB
#: for 10,000 teams with the example's eight metrics (measured), in whichever process
#: scores: the worker, or the gateway for an organizer's ``/results rescore`` (the gateway
#: is sized at 232 MB with 100,000 members: README, Deploying).
CACHED_WEEKS = 1


@dataclass(slots=True)
class _Week:
    revision: str
    metrics: TeamMetrics


@dataclass(slots=True)
class WeekMetricsCache:
    """Per span of days, every team's metrics at an input revision (see the module)."""

    size: int = CACHED_WEEKS
    _weeks: OrderedDict[tuple[dt.date, dt.date], _Week] = field(default_factory=OrderedDict)
    #: teams computed by the last call (a figure for the logs and the tests)
    last_computed: int = 0

    async def metrics(
        self,
        source: MetricsSource,
        *,
        revision: str,
        team_ids: Collection[int],
        start: dt.date,
        end: dt.date,
    ) -> TeamMetrics:
        """Every metric of ``team_ids`` over ``[start, end]`` as of ``revision`` (the
        source's ``inputs_revision``, read before this call); a team without data maps
        to {}."""
        key = (start, end)
        cached = self._weeks.pop(key, None)
        known: TeamMetrics = {}
        if cached is not None:
            changed = await source.changed_teams(since=cached.revision)
            if changed is not None:
                known = cached.metrics
                for team_id in changed:
                    known.pop(team_id, None)
        todo = [team_id for team_id in team_ids if team_id not in known]
        self.last_computed = len(todo)
        if todo:
            known.update(await source.team_metrics(team_ids=todo, start=start, end=end))
        self._weeks[key] = _Week(revision, known)
        while len(self._weeks) > self.size:
            self._weeks.popitem(last=False)
        return {team_id: known.get(team_id) or {} for team_id in team_ids}
