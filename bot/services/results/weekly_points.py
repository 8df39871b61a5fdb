"""The weekly results points: score a finished week, credit the ledger exactly once, post it.

Each week, at the weekly board's time, the job scores the week that just ended (every
scored track, from the metrics engine's counted orders) and writes each team's points to
the ledger under the ``results`` source. ``results_week_scores`` remembers what each team
got and which entry holds it; the entry's reference carries the score's revision
(``results:<week>:team:<id>:r<n>``), so:

* running a week again when nothing changed writes nothing;
* when a re-import, a correction or a fraud decision changes a team's points, the next
  weekly run (which checks every earlier scored week again) or ``/results rescore``
  reverses the old entry (counted in its week, as every reversal) and credits the new
  amount, each exactly once;
* two runs at once serialize on the teams' row locks and the second finds nothing to do.

The whole track is written in a few statements, not a few per team (``replace_credits``:
the reversals and the new credits in one batch; ``storage.bulk``: driver-level
executemany), and a run reads only what it compares (ids and tracks, stored points); see
``bench/results_scoring.py`` for the figures.

Entries count in the week they are written (the ledger's rule), so a week's results
points show on the following week's board. A closed season is never re-scored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import Week, week_by_key
from bot.scheduler import Job, JobResult, NextRun
from bot.services.audit import AuditService
from bot.services.points import PointsService
from bot.services.points.models import AutoCredit
from bot.services.publications import Publication
from bot.services.results.metrics_cache import WeekMetricsCache
from bot.services.results.scoring import (
    StoredBreakdown,
    normalize_track,
    stored_breakdowns,
    track_points,
)
from bot.services.results.scoring_base import ScoringBase
from bot.services.results.scoring_errors import ResultsSeasonClosed, WeekNotOver
from bot.services.results.scoring_models import SummaryLine, WeekRun, WeekSummary
from storage.queries import results_revisions as revisions_q
from storage.queries import results_scoring as scores_q
from storage.queries.points import seasons as seasons_q
from storage.queries.results_scoring import WeekScoreRow

log = logging.getLogger(__name__)

RESULTS_POINTS_JOB = "results.weekly_points"
#: The publication kind of a week's results summary (rendered by the results cog).
SUMMARY_PUBLICATION = "results.week"
SUMMARY_SIZE = 10


@dataclass(slots=True)
class ResultsPointsService(ScoringBase):
    """Scores finished weeks into the ledger (see the module docstring for the rules)."""

    audit: AuditService
    points: PointsService
    #: the metrics of the weeks this process scored last, kept up to date (a re-score
    #: after a correction recomputes only the corrected teams' metrics)
    week_cache: WeekMetricsCache = field(default_factory=WeekMetricsCache)

    async def _scored_teams(self) -> dict[int, str]:
        """The season's active teams of the scored tracks: id → track."""
        tracks = [entry.track for entry in self.competition.results.scoring.tracks]
        async with self.db.read() as conn:
            return await scores_q.active_team_tracks(conn, season=self.season, tracks=tracks)

    async def run_week(self, week: Week) -> WeekRun:
        """Score ``week`` and bring the ledger in line with it: a new or changed score
        reverses the team's previous ``results`` entry and credits the new points, once.
        Safe to repeat and to run concurrently (see the module docstring)."""
        teams = await self._scored_teams()
        # Read before the metrics: an input written while the run reads them moves the
        # revision past what is recorded, so the next run looks again.
        revision = await self.metrics.inputs_revision()
        fingerprint = self.fingerprint(revision, teams)
        async with self.db.read() as conn:
            seen = await revisions_q.week_fingerprint(conn, season=self.season, week_key=week.key)
        if seen == fingerprint:
            return WeekRun(week.key, len(teams), 0, 0, ())
        run = await self._score(week, teams, revision, fingerprint)
        log.info(
            "results scored week=%s teams=%d metrics computed=%d changed=%d credited=%d "
            "reversed=%d",
            week.key,
            run.scored,
            self.week_cache.last_computed,
            len(run.changed_team_ids),
            run.credited,
            run.reversed,
        )
        return run

    def fingerprint(self, revision: str, teams: dict[int, str]) -> str:
        """What a run of a week depends on besides the week itself: the inputs' revision,
        the scoring configuration (metrics, formulas, rates, weeks) and the scored teams
        (a team joining or leaving moves every other team's rank)."""
        digest = hashlib.sha256(revision.encode())
        digest.update(repr(self.competition.results).encode())
        digest.update(f"{self.competition.tz}:{self.competition.week_start_index}".encode())
        digest.update(repr(sorted(teams.items())).encode())
        return digest.hexdigest()

    async def _score(
        self, week: Week, teams: dict[int, str], revision: str, fingerprint: str
    ) -> WeekRun:
        """A complete scoring run of ``week`` (``run_week`` found its inputs changed at
        ``revision``)."""
        start, end = self.days(week)
        # The stored points are read beside the metrics (another connection), not after.
        metrics, stored = await asyncio.gather(
            self.week_cache.metrics(
                self.metrics, revision=revision, team_ids=list(teams), start=start, end=end
            ),
            self._stored_points(week),
        )
        tracks = []
        points: dict[int, int] = {}
        for entry in self.competition.results.scoring.tracks:
            track_metrics = {t: metrics[t] for t, track in teams.items() if track == entry.track}
            # Normalized once per track: the points of all, the breakdown of the changed.
            normalized = normalize_track(track_metrics, entry)
            points.update(track_points(track_metrics, entry, normalized=normalized))
            tracks.append((track_metrics, entry, normalized))
        # Only a team whose points moved is written: the breakdown a member sees is
        # computed live, the stored one is what the ledger entry was credited for.
        changed = {t: track for t, track in teams.items() if stored.get(t) != points[t]}
        details: dict[int, StoredBreakdown] = {}
        for track_metrics, entry, normalized in tracks:
            details.update(
                stored_breakdowns(track_metrics, entry, only=changed, normalized=normalized)
            )
        scores = {t: (points[t], details[t]) for t in changed}
        async with self.db.write() as conn:
            if await seasons_q.closure(conn, self.season) is not None:
                log.info("results not scored: season closed week=%s", week.key)
                return WeekRun(week.key, len(points), 0, 0, ())
            credited, reversed_, done = (
                await self._apply(conn, week, changed, scores) if changed else (0, 0, [])
            )
            await revisions_q.save_week_fingerprint(
                conn,
                season=self.season,
                week_key=week.key,
                fingerprint=fingerprint,
                at=self.clock.now(),
            )
        return WeekRun(week.key, len(points), credited, reversed_, tuple(done))

    async def _stored_points(self, week: Week) -> dict[int, int]:
        async with self.db.read() as conn:
            return await scores_q.week_points(conn, season=self.season, week_key=week.key)

    async def _apply(
        self,
        conn: AsyncConnection,
        week: Week,
        changed: dict[int, str],
        scores: dict[int, tuple[int, StoredBreakdown]],
    ) -> tuple[int, int, list[int]]:
        """The ledger changes of the changed teams (id → track) in one transaction, a few
        statements for the whole track: (entries credited, entries reversed, teams
        changed)."""
        # The teams' locks first (the ledger's order), then their stored scores again: a
        # concurrent run waits here and then sees the scores this one stored.
        await scores_q.lock_team_ids(conn, list(changed))
        current = await scores_q.stored_scores(
            conn, season=self.season, week_key=week.key, team_ids=list(changed)
        )
        todo = [t for t in sorted(changed) if t not in current or current[t].points != scores[t][0]]
        old_entries = {
            entry_id: (f"Store results {week.key} re-scored: {current[t].points} → {scores[t][0]}")
            for t in todo
            if t in current and (entry_id := current[t].entry_id) is not None
        }
        revision = {t: (current[t].revision if t in current else 0) + 1 for t in todo}
        replaced = await self.points.replace_credits(
            conn,
            source="results",
            reverse=old_entries,
            credits=[
                AutoCredit(
                    team_id=t,
                    amount=scores[t][0],
                    reason=f"Store results, week {week.key}",
                    reference=self.reference(week, t, revision[t]),
                )
                for t in todo
                if scores[t][0] > 0
            ],
        )
        credits = replaced.credits
        now = self.clock.now()
        rows = []
        for t in todo:
            entry = credits.get(self.reference(week, t, revision[t]))
            rows.append(
                WeekScoreRow(
                    season=self.season,
                    week_key=week.key,
                    team_id=t,
                    track=changed[t],
                    points=scores[t][0],
                    credited=entry[1] if entry is not None else 0,
                    entry_id=entry[0] if entry is not None else None,
                    revision=revision[t],
                    details=scores[t][1],
                    scored_at=now,
                )
            )
        await scores_q.save_scores(conn, rows, existing={t for t in todo if t in current})
        return len(credits), len(replaced.reversals), todo

    def reference(self, week: Week, team_id: int, revision: int) -> str:
        """The ledger reference of a team's score of a week at one revision."""
        return f"results:{week.key}:team:{team_id}:r{revision}"

    async def rescore(self, *, actor_id: int, week: str | None) -> WeekRun:
        """``/results rescore``: score a finished week again now (after a re-import, a
        correction or a fraud decision). Refused for a week not over and a closed season.
        Audited."""
        target = self.week(week)
        if target.end > self.clock.now():
            raise WeekNotOver(week=target.key)
        async with self.db.read() as conn:
            if await seasons_q.closure(conn, self.season) is not None:
                raise ResultsSeasonClosed(season=self.season)
        run = await self.run_week(target)
        async with self.db.write() as conn:
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="results.rescore",
                target=f"week:{target.key}",
                details={
                    "scored": run.scored,
                    "credited": run.credited,
                    "reversed": run.reversed,
                    "teams": list(run.changed_team_ids[:50]),
                },
            )
        return run

    # -- the weekly job and its post ------------------------------------------------------
    def summary_key(self, week_key: str, track: str) -> str:
        """The journal key of a week's summary for one track (posted once)."""
        return f"results:{self.season}:{week_key}:{track}"

    async def summary(self, week: Week, track: str, *, limit: int = SUMMARY_SIZE) -> WeekSummary:
        """The week's best scored teams of ``track``, as stored by the last run."""
        async with self.db.read() as conn:
            rows = await scores_q.top_scored(
                conn, season=self.season, week_key=week.key, track=track, limit=limit
            )
            scored = await scores_q.scored_count(
                conn, season=self.season, week_key=week.key, track=track
            )
        lines: list[SummaryLine] = []
        for index, row in enumerate(rows):
            rank = lines[-1].rank if lines and lines[-1].points == row.points else index + 1
            lines.append(SummaryLine(rank=rank, team=row.name, points=row.points))
        scoring = self.track_scoring(track)
        return WeekSummary(
            season=self.season,
            week_key=week.key,
            track=track,
            lines=tuple(lines),
            scored_teams=scored,
            max_points=scoring.total_weight,
        )

    async def summary_publications(self, week: Week) -> tuple[Publication, ...]:
        """The week's summaries, one per scored track with points, to the leaderboard
        channel; each posted once (its journal key)."""
        publications = []
        for entry in self.competition.results.scoring.tracks:
            summary = await self.summary(week, entry.track)
            if summary.lines:
                publications.append(
                    Publication(
                        key=self.summary_key(week.key, entry.track),
                        kind=SUMMARY_PUBLICATION,
                        data=summary,
                        resource="channel:leaderboard",
                    )
                )
        return tuple(publications)

    def next_run(self, after: dt.datetime | None = None) -> NextRun:
        """The next weekly run (at the weekly board's time, strictly after ``after``)."""
        week, when = self.points.next_post(after)
        return NextRun(
            RESULTS_POINTS_JOB,
            f"{RESULTS_POINTS_JOB}:{self.season}:{week.key}",
            when,
            {"week": week.key},
        )

    async def publish_week(self, week: Week) -> tuple[WeekRun | None, tuple[Publication, ...]]:
        """Score ``week``, check the earlier scored weeks again (a re-import, correction or
        fraud decision since changed them: their old entries are reversed and replaced) and
        return ``week``'s summaries. A scoring failure is logged and posts nothing (the
        next start's catch-up or ``/results rescore`` retries it)."""
        try:
            run = await self.run_week(week)
            async with self.db.read() as conn:
                earlier = await scores_q.scored_weeks(conn, season=self.season)
            for key in earlier:
                if key < week.key:
                    await self.run_week(
                        week_by_key(key, self.competition.tz, self.competition.week_start_index)
                    )
        except Exception:
            log.exception("results scoring failed week=%s", week.key)
            return None, ()
        return run, await self.summary_publications(week)

    async def run_job(self, job: Job) -> JobResult:
        """The weekly job: score the week, post its summaries, schedule the next week."""
        week = week_by_key(
            str(job.payload.get("week")), self.competition.tz, self.competition.week_start_index
        )
        _run, publications = await self.publish_week(week)
        return JobResult(
            publications=publications, next_run=self.next_run(max(job.run_at, self.clock.now()))
        )

    async def catch_up(self) -> tuple[WeekRun | None, tuple[Publication, ...]]:
        """At start: score the newest due week (a run missed while down) and return its
        summaries (the journal skips those already posted)."""
        return await self.publish_week(self.points.due_week())
